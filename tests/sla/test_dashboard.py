"""The manager's SLA dashboard: who may see it, figures that match a seeded month, and links that list exactly
the incidents behind each figure (followed with the test client to the agent queue)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from core import clock
from tests.sla.dashboard_world import NOW, UTC, build_world

pytestmark = pytest.mark.django_db
URL = "/manager/sla/"
QUEUE_HREF = re.compile(r'href="(/agent/incidents/\?[^"]*)"')


@pytest.fixture
def world(requester_a, agent_a, agent_b, service_email, service_vpn):
    return build_world(requester=requester_a, agent_email=agent_a, agent_vpn=agent_b, service_email=service_email,
                       service_vpn=service_vpn)


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def get(client: Client, url: str = URL, **params):
    """GET at the world's NOW (the dashboard's presets end at the clock's now)."""
    with clock.frozen(NOW):
        return client.get(url, params)


def queue_numbers(client: Client, href: str) -> set[str]:
    """Follow a dashboard link to the agent queue; the incident numbers of its rows (all on one page)."""
    response = get(client, html.unescape(href))
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.context["page"]
    assert page.paginator.num_pages == 1
    numbers = {incident.number for incident in page.object_list}
    assert f"{len(numbers)} incident" in response.content.decode()  # the count the agent reads
    return numbers


def row(table: dict, label: str) -> dict:
    return next(r for r in table["rows"] if r["label"] == label)


def table(response, name: str) -> dict:
    return next(t for t in response.context["compliance_tables"] if t["name"] == name)


# --- who may see it -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [("requester_a", 403), ("agent_a", 403), ("manager", 200),
                                             ("admin_user", 200)])
@pytest.mark.parametrize("params", [{}, {"export": "compliance_definition"}])
def test_only_managers_and_admins_see_the_dashboard(request, who, status, params):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert get(client, **params).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = get(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_manager_home_links_to_the_dashboard(manager_client):
    response = manager_client.get(reverse("manager-home"))
    assert f'href="{URL}"' in response.content.decode()


# --- the figures --------------------------------------------------------------------------------------------

def test_compliance_per_definition_service_team_and_priority(world, manager_client):
    response = get(manager_client)
    assert response.status_code == 200
    figures = {name: {r["label"]: (r["met"], r["breached"], r["total"], r["compliance"])
                      for r in table(response, name)["rows"]}
               for name in ("definition", "service", "team", "priority")}
    assert figures["definition"] == {"Default resolution": (2, 1, 3, 66.7), "P1 resolution": (0, 1, 1, 0.0),
                                     "Response": (4, 1, 5, 80.0)}
    assert figures["service"] == {"E-mail": (3, 2, 5, 60.0), "VPN": (3, 1, 4, 75.0)}
    assert figures["team"] == {"Network": (3, 1, 4, 75.0), "Service Desk": (3, 2, 5, 60.0)}
    assert figures["priority"] == {"1 - Critical": (1, 1, 2, 50.0), "5 - Planning": (5, 2, 7, 71.4)}
    body = response.content.decode()
    assert re.search(r'data-testid="headline-compliance">66.7%<', body)
    assert "6 of 9 timers met" in body


def test_breaches_over_time_counts_every_breach_of_the_period_by_day(world, manager_client):
    response = get(manager_client)
    days = {b["day"]: b["count"] for b in response.context["breaches"]}
    assert len(days) == 31  # 21 October to 20 November: every day, for the chart
    assert {day: n for day, n in days.items() if n} == {"2026-11-03": 2, "2026-11-10": 3}
    assert response.context["summary"]["breaches"] == 5
    body = response.content.decode()
    assert 'data-testid="breach-day-2026-11-03">2<' in body and 'data-testid="breach-day-2026-11-10">3<' in body
    assert 'id="sla-chart-data" type="application/json"' in body


def test_timers_at_risk_now(world, manager_client):
    response = get(manager_client)
    assert response.context["at_risk"] == {"timers": 1, "tickets": 1}
    [risk] = response.context["at_risk_rows"]
    f = world.incidents["F"]
    assert (risk["number"], risk["definition"], risk["due_at"]) == (f.number, "Default resolution",
                                                                    NOW + timedelta(hours=1))
    assert risk["left"] == "in 1 h 00 min" and risk["team"] == "Service Desk"
    assert f'href="/agent/incidents/{f.number}/"' in response.content.decode()


def test_mean_times_in_business_and_wall_clock_hours(world, manager_client):
    response = get(manager_client)
    means = {m["key"]: m for m in response.context["mean_times"]}
    # acknowledged: A 20 min, B 5 h, C 30 min, D 30 min, F 30 min -> 6 h 50 min / 5
    assert (means["mtta"]["business_hours"], means["mtta"]["wall_hours"]) == (1.37, 1.37)
    assert (means["mtta"]["business_count"], means["mtta"]["wall_count"]) == (5, 5)
    # resolved: A 4 h, B 12 h, C 2 h (1 h on hold awaiting the caller: not business time), D 24 h
    assert (means["mttr"]["business_hours"], means["mttr"]["wall_hours"]) == (10.25, 10.5)
    assert (means["mttr"]["business_count"], means["mttr"]["wall_count"]) == (4, 4)
    body = response.content.decode()
    assert re.search(r'data-testid="mean-mttr-business">10.25<', body)


def test_open_backlog_by_age(world, manager_client):
    response = get(manager_client)
    assert [(r["label"], r["count"]) for r in response.context["backlog"]] == [
        ("< 1 day", 2), ("1-3 days", 2), ("3-7 days", 0), ("7-30 days", 1), ("> 30 days", 1)]
    assert response.context["backlog_total"] == 6


def test_a_custom_period_counts_only_its_days(world, manager_client):
    response = get(manager_client, period="custom", since="2026-11-03", until="2026-11-03")
    assert response.status_code == 200
    assert {r["label"]: (r["met"], r["total"]) for r in table(response, "definition")["rows"]} == {
        "Default resolution": (0, 1), "Response": (0, 1)}  # only B, breached twice
    assert response.context["summary"]["breaches"] == 2
    assert [b["day"] for b in response.context["breaches"]] == ["2026-11-03"]


# --- every figure links to exactly its incidents ------------------------------------------------------------

def test_every_figure_links_to_exactly_the_incidents_behind_it(world, manager_client):
    n = world.number
    response = get(manager_client)
    ctx = response.context
    expected_compliance = {
        ("definition", "Response"): (n("A", "C", "D", "F"), n("B"), n("A", "B", "C", "D", "F")),
        ("definition", "Default resolution"): (n("A", "C"), n("B"), n("A", "B", "C")),
        ("definition", "P1 resolution"): (set(), n("D"), n("D")),
        ("service", "E-mail"): (n("A", "F"), n("B"), n("A", "B", "F")),
        ("service", "VPN"): (n("C", "D"), n("D"), n("C", "D")),
        ("team", "Service Desk"): (n("A", "F"), n("B"), n("A", "B", "F")),
        ("team", "Network"): (n("C", "D"), n("D"), n("C", "D")),
        ("priority", "5 - Planning"): (n("A", "C", "F"), n("B"), n("A", "B", "C", "F")),
        ("priority", "1 - Critical"): (n("D"), n("D"), n("D")),
    }
    for (name, label), (met, breached, total) in expected_compliance.items():
        r = row(table(response, name), label)
        assert queue_numbers(manager_client, r["met_url"]) == met, (name, label, "met")
        assert queue_numbers(manager_client, r["breached_url"]) == breached, (name, label, "breached")
        assert queue_numbers(manager_client, r["total_url"]) == total, (name, label, "total")
        assert (r["met_tickets"], r["breached_tickets"], r["tickets"]) == (len(met), len(breached), len(total))
    summary = ctx["summary"]
    assert queue_numbers(manager_client, summary["total_url"]) == n("A", "B", "C", "D", "F")
    assert queue_numbers(manager_client, summary["breaches_url"]) == n("B", "D", "G")
    days = {b["day"]: b["url"] for b in ctx["breaches"]}
    assert queue_numbers(manager_client, days["2026-11-03"]) == n("B")
    assert queue_numbers(manager_client, days["2026-11-10"]) == n("D", "G")
    assert queue_numbers(manager_client, days["2026-11-04"]) == set()
    assert queue_numbers(manager_client, ctx["at_risk_url"]) == n("F")
    means = {m["key"]: m for m in ctx["mean_times"]}
    assert queue_numbers(manager_client, means["mtta"]["business_url"]) == n("A", "B", "C", "D", "F")
    assert queue_numbers(manager_client, means["mtta"]["wall_url"]) == n("A", "B", "C", "D", "F")
    assert queue_numbers(manager_client, means["mttr"]["business_url"]) == n("A", "B", "C", "D")
    assert queue_numbers(manager_client, means["mttr"]["wall_url"]) == n("A", "B", "C", "D")
    backlog = [queue_numbers(manager_client, r["url"]) for r in ctx["backlog"]]
    assert backlog == [n("F", "H"), n("J", "L"), set(), n("G"), n("K")]  # L: exactly one day old
    assert queue_numbers(manager_client, ctx["backlog_url"]) == n("F", "G", "H", "J", "K", "L")


def test_every_queue_link_on_the_page_answers_and_matches_its_number(world, manager_client):
    """No link fails, and a link showing a count (of incidents, or of timers: an incident can have two) lists
    at most that many incidents, and none when the count is 0."""
    body = get(manager_client).content.decode()
    hrefs = set(QUEUE_HREF.findall(body))
    assert len(hrefs) > 40
    listed = {href: queue_numbers(manager_client, href) for href in hrefs}
    counted = re.findall(r'<a href="(/agent/incidents/\?[^"]*)"[^>]*>(\d+)</a>', body)
    assert len(counted) > 30
    for href, count in counted:
        assert len(listed[href]) <= int(count) and (len(listed[href]) == 0) == (count == "0"), (href, count)


def test_the_sla_filters_describe_one_timer_not_several(world, manager_client):
    """D's response was met on 10 November and its P1 resolution breached on the 11th: on the 10th alone, VPN
    has one met timer and no breach, so the breached link must not list D."""
    response = get(manager_client, period="custom", since="2026-11-10", until="2026-11-10")
    vpn = row(table(response, "service"), "VPN")
    assert (vpn["met"], vpn["breached"]) == (1, 0)
    assert queue_numbers(manager_client, vpn["breached_url"]) == set()
    assert queue_numbers(manager_client, vpn["met_url"]) == world.number("D")


def test_the_incident_api_accepts_the_same_filters(world, manager, api_client):
    api_client.force_authenticate(manager)
    params = {"sla_stage": "breached", "sla_stopped_after": "2026-10-21T12:00:00+00:00",
              "sla_stopped_before": "2026-11-20T12:00:00+00:00", "limit": 100}
    response = api_client.get("/api/v1/incidents/", params)
    assert response.status_code == 200
    assert {i["number"] for i in response.json()["results"]} == world.number("B", "D")
    response = api_client.get("/api/v1/incidents/", {"sla_at_risk": "true", "service": "null"})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert api_client.get("/api/v1/incidents/", {"sla_stage": "bogus"}).status_code == 400


def test_breach_days_follow_the_managers_time_zone(world, manager, manager_client):
    """In Paris, G's resolution breach (20:00 UTC) is still 10 November but a breach at 23:30 UTC is the 11th."""
    from sla.models import SlaTimer

    manager.time_zone = "Europe/Paris"
    manager.save(update_fields=["time_zone"])

    late = SlaTimer.objects.get(ticket=world.incidents["G"], definition__name="Response")
    late.breached_at = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    late.save(update_fields=["breached_at"])
    response = get(manager_client)
    days = {b["day"]: (b["count"], b["url"]) for b in response.context["breaches"]}
    assert days["2026-11-10"][0] == 2 and days["2026-11-11"][0] == 1
    assert queue_numbers(manager_client, days["2026-11-11"][1]) == world.number("G")
    assert queue_numbers(manager_client, days["2026-11-10"][1]) == world.number("D", "G")


# --- the period form ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "message"), [
    ({"period": "12d"}, "Select a valid choice"),
    ({"period": "custom"}, "Give both dates"),
    ({"period": "custom", "since": "2026-11-01"}, "Give both dates"),
    ({"since": "2026-02-30", "until": "2026-03-01"}, "Enter a valid date"),
    ({"since": "yesterday", "until": "2026-03-01"}, "Enter a valid date"),
    ({"since": "2026-11-10", "until": "2026-11-01"}, "must not be before"),
    ({"since": "2020-01-01", "until": "2026-11-01"}, "at most three years"),
    ({"since": "9999-12-30", "until": "9999-12-31"}, "out of range"),
])
def test_a_bad_period_is_a_400_that_says_what_is_wrong(manager_client, params, message):
    response = get(manager_client, **params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="period-errors"' in body and message in html.unescape(body)
    assert "compliance_tables" not in response.context
    export = get(manager_client, **params, export="backlog")
    assert export.status_code == 400 and export["Content-Type"].startswith("text/plain")


def test_an_unknown_export_is_a_400(manager_client):
    response = get(manager_client, export="users")
    assert response.status_code == 400 and b"compliance_definition" in response.content


# --- constant cost ------------------------------------------------------------------------------------------

def test_the_number_of_queries_does_not_grow_with_tickets_and_timers(world, manager_client, requester_a, agent_a,
                                                                       service_email, django_assert_max_num_queries):
    from incidents import services
    from incidents.choices import State
    from sla.sweep import record_due

    get(manager_client)  # warm up (content types, sessions)
    with django_assert_max_num_queries(100) as baseline:
        assert get(manager_client).status_code == 200
    before = len(baseline.captured_queries)
    for index in range(15):
        at_risk = index % 3 == 0  # opened 7 h before NOW and answered: its resolution is at risk
        opened = NOW - timedelta(hours=7, minutes=index) if at_risk else \
            datetime(2026, 11, 12, 8, tzinfo=UTC) + timedelta(hours=index)
        with clock.frozen(opened):
            incident = services.create_incident(requester_a, {"title": f"More {index}", "service": service_email})
        with clock.frozen(opened + timedelta(minutes=10 * index)):
            services.add_comment(incident, agent_a, "Replying.")
        if not at_risk:
            with clock.frozen(opened + timedelta(hours=index)):  # some in time, some late
                services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved",
                                    resolution_notes="Done.")
    record_due(NOW)
    with django_assert_max_num_queries(before):
        response = get(manager_client)
    assert row(table(response, "definition"), "Response")["total"] == 20
    assert response.context["at_risk"]["timers"] == 6 and len(response.context["at_risk_rows"]) == 6
    assert response.context["summary"]["breaches"] > 5


@pytest.mark.parametrize(("since", "until"), [("0001-01-01", "0001-01-02"), ("9999-12-29", "9999-12-30"),
                                              ("2026-11-20", "2026-11-20")])
def test_extreme_but_valid_dates_answer_without_error(world, manager_client, since, until):
    response = get(manager_client, period="custom", since=since, until=until)
    assert response.status_code == 200
    for href in set(QUEUE_HREF.findall(response.content.decode())):
        assert get(manager_client, html.unescape(href)).status_code == 200
