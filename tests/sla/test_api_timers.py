"""GET /api/v1/sla/timers/ (access rule, live figures, filters, ordering, query counts) and the `sla` list of an
incident's detail, on a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core import services as core
from incidents import services
from incidents.choices import State
from sla.models import SlaTimer, Stage
from sla.sweep import record_due
from tests.sla.api_support import (
    API,
    INCIDENTS,
    ROLES,
    T0,
    VISIBLE,
    SlaWorld,
    count_queries,
    sla_world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db
TIMERS = f"{API}timers/"
STAFF = [r for r in ROLES if r.startswith(("agent", "manager", "admin"))]


def numbers(body: dict) -> set[str]:
    return {row["ticket"]["number"] for row in body["results"]}


def row_of(body: dict, number: str, definition: str) -> dict:
    return next(r for r in body["results"] if r["ticket"]["number"] == number and r["definition"]["name"] == definition)


# --- access rule ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_list_holds_the_timers_of_the_tickets_the_role_sees(sla_world: SlaWorld, role):
    body = sla_world.client(role).get(TIMERS).json()
    expected = {sla_world.incidents[key].number for key, seen_by in VISIBLE.items() if role in seen_by}
    assert numbers(body) == expected
    assert body["count"] == 3 * len(expected)  # three timers per incident


@pytest.mark.parametrize("role", ["requester_a", "requester_b"])
def test_end_users_get_403(sla_world: SlaWorld, role):
    response = sla_world.client(role).get(TIMERS)
    assert response.status_code == 403
    assert "VPN" not in response.content.decode() and "Mailbox" not in response.content.decode()


def test_anonymous_gets_401(sla_world: SlaWorld):
    assert sla_world.client("anonymous").get(TIMERS).status_code == 401


@pytest.mark.parametrize("params", [
    {"team": "network"}, {"ticket": "inc_b"}, {"stage": "in_progress"}, {"definition": "ola"}, {"breached": "false"},
])
def test_filters_never_count_timers_the_agent_cannot_see(sla_world: SlaWorld, params):
    inc_b = sla_world.incidents["inc_b"]
    values = {"team": inc_b.team_id, "ticket": inc_b.number, "definition": sla_world.definitions["ola"].pk}
    query = {key: values.get(key, value) for key, value in params.items()}
    body = sla_world.client("agent_a").get(TIMERS, query).json()
    assert inc_b.number not in numbers(body)
    assert body["count"] == len(body["results"])


def test_an_agent_gets_404_for_a_timer_of_a_ticket_they_cannot_see(sla_world: SlaWorld):
    theirs = SlaTimer.objects.filter(ticket=sla_world.incidents["inc_b"]).first()
    mine = SlaTimer.objects.filter(ticket=sla_world.incidents["inc_a"]).first()
    client = sla_world.client("agent_a")
    assert client.get(f"{TIMERS}{theirs.pk}/").status_code == 404
    assert client.get(f"{TIMERS}{mine.pk}/").json()["ticket"]["number"] == sla_world.incidents["inc_a"].number
    assert sla_world.client("manager").get(f"{TIMERS}{theirs.pk}/").status_code == 200


def test_a_watching_agent_sees_the_timers_of_the_watched_ticket(sla_world: SlaWorld):
    inc_b = sla_world.incidents["inc_b"]
    client = sla_world.client("agent_a")
    assert client.get(TIMERS, {"ticket": inc_b.number}).json()["count"] == 0
    core.add_watcher(inc_b, sla_world.users["agent_a"], sla_world.users["agent_b"])
    assert client.get(TIMERS, {"ticket": inc_b.number}).json()["count"] == 3


# --- what a timer says ----------------------------------------------------------------------------------------


def test_a_running_timer_reports_its_figures_at_request_time(sla_world: SlaWorld):
    inc_a = sla_world.incidents["inc_a"]
    with clock.frozen(T0 + timedelta(hours=2)):
        body = sla_world.client("agent_a").get(TIMERS).json()
    row = row_of(body, inc_a.number, "Resolution 8h")
    resolution = sla_world.definitions["resolution"]
    assert row["ticket"] == {"id": inc_a.pk, "number": inc_a.number, "title": "Mailbox quota exceeded",
                             "kind": "incident"}
    assert row["definition"] == {"id": resolution.pk, "name": "Resolution 8h", "target": "resolution",
                                 "agreement_type": "sla"}
    assert row["stage"] == "in_progress" and row["breached"] is False and row["breached_at"] is None
    assert row["elapsed"] == 2 * 3600 and row["duration"] == 8 * 3600 and row["percent"] == 25.0
    assert row["due_at"] == "2026-11-02T16:00:00Z"
    assert row["next_event_at"] == "2026-11-02T12:00:00Z" and row["next_threshold"] == 50
    # the office-hours OLA counts 09:00-11:00 Paris, i.e. 2 of its 16 hours
    ola = row_of(body, inc_a.number, "Desk OLA")
    assert ola["elapsed"] == 2 * 3600 and ola["percent"] == 12.5


def test_a_paused_timer_stops_counting_and_counts_its_pause(sla_world: SlaWorld):
    inc_a, agent = sla_world.incidents["inc_a"], sla_world.users["agent_a"]
    with clock.frozen(T0 + timedelta(hours=1)):
        services.transition(inc_a, agent, State.ON_HOLD, hold_reason="awaiting_caller")
    with clock.frozen(T0 + timedelta(hours=4)):
        row = row_of(sla_world.client("agent_a").get(TIMERS).json(), inc_a.number, "Resolution 8h")
    assert row["stage"] == "paused" and row["due_at"] is None
    assert row["elapsed"] == 3600 and row["percent"] == 12.5
    assert row["paused_total"] == 3 * 3600 and row["paused_since"] == "2026-11-02T09:00:00Z"


def test_a_late_timer_is_breached_with_its_breach_time(sla_world: SlaWorld):
    inc_a, agent = sla_world.incidents["inc_a"], sla_world.users["agent_a"]
    with clock.frozen(T0 + timedelta(minutes=90)):
        services.take(inc_a, agent)  # work started: the response timer stops, 30 minutes late
    with clock.frozen(T0 + timedelta(hours=3)):
        body = sla_world.client("agent_a").get(TIMERS, {"breached": "true"}).json()
    assert [(r["definition"]["name"], r["stage"]) for r in body["results"]] == [("Response 1h", "breached")]
    row = body["results"][0]
    assert row["breached_at"] == "2026-11-02T09:00:00Z" and row["percent"] == 150.0
    assert row["stopped_at"] == "2026-11-02T09:30:00Z"


# --- filters and ordering -------------------------------------------------------------------------------------


def test_filters(sla_world: SlaWorld):
    inc_a, inc_b = sla_world.incidents["inc_a"], sla_world.incidents["inc_b"]
    with clock.frozen(T0 + timedelta(minutes=30)):
        services.take(inc_a, sla_world.users["agent_a"])  # inc_a's response achieved
    client = sla_world.client("manager")

    def names(**params) -> list[tuple[str, str]]:
        body = client.get(TIMERS, params).json()
        assert body["count"] == len(body["results"])
        return sorted((r["ticket"]["number"], r["definition"]["name"]) for r in body["results"])

    assert names(stage="achieved") == [(inc_a.number, "Response 1h")]
    assert len(names(stage=["achieved", "in_progress"])) == 6
    assert names(team=inc_b.team_id, target="response") == [(inc_b.number, "Response 1h")]
    assert names(definition=sla_world.definitions["ola"].pk) == [(inc_a.number, "Desk OLA"), (inc_b.number,
                                                                                               "Desk OLA")]
    assert names(agreement_type="ola", ticket=inc_b.number.lower()) == [(inc_b.number, "Desk OLA")]
    # due_at: Response 1h 09:00 UTC (the achieved one keeps it), Resolution 16:00, Desk OLA Tuesday 17:00 Paris
    assert {n for _, n in names(due_before="2026-11-02T10:00:00Z")} == {"Response 1h"}
    assert {n for _, n in names(due_after="2026-11-02T10:00:00Z", due_before="2026-11-03T00:00:00Z")} == {
        "Resolution 8h"}
    assert {n for _, n in names(due_after="2026-11-03T00:00:00Z")} == {"Desk OLA"}
    assert names(breached="true") == []


@pytest.mark.parametrize(("params", "field"), [
    ({"stage": "late"}, "stage"), ({"team": 999999}, "team"), ({"definition": "x"}, "definition"),
    ({"target": "fix"}, "target"), ({"due_after": "yesterday"}, "due_after"),
    ({"agreement_type": "x"}, "agreement_type"),
    ({"ordering": "percent"}, "ordering"),
])
def test_a_bad_filter_is_a_400_naming_it(sla_world: SlaWorld, params, field):
    response = sla_world.client("agent_a").get(TIMERS, params)
    assert response.status_code == 400
    assert field in response.json()


def test_ordering_and_pagination(sla_world: SlaWorld):
    client = sla_world.client("manager")
    body = client.get(TIMERS, {"ordering": "-due_at", "limit": 2}).json()
    assert body["count"] == 6 and len(body["results"]) == 2 and "offset=2" in body["next"]
    assert [r["definition"]["name"] for r in body["results"]] == ["Desk OLA", "Desk OLA"]
    default = client.get(TIMERS).json()["results"]
    assert [r["due_at"] for r in default] == sorted(r["due_at"] for r in default)
    by_start = client.get(TIMERS, {"ordering": "started_at,-due_at"}).json()["results"]
    assert by_start[0]["started_at"] == "2026-11-02T08:00:00Z"
    pages = [client.get(TIMERS, {"ordering": "started_at", "limit": 1, "offset": i}).json()["results"][0]["id"]
             for i in range(6)]
    assert len(set(pages)) == 6  # the id tie-breaker: pages never overlap


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.fixture
def busy_world(sla_world: SlaWorld, make_incident, service_email, service_vpn) -> SlaWorld:
    """20 more incidents (10 per team), each with its 3 timers; some paused, some stopped."""
    agent = sla_world.users["agent_a"]
    with clock.frozen(T0):
        for i in range(20):
            raised_by = sla_world.users["requester_a" if i % 2 else "requester_b"]
            incident = make_incident(raised_by, title=f"Busy {i}", service=service_email if i % 2 else service_vpn)
            if i % 4 == 1:
                services.transition(incident, agent, State.ON_HOLD, hold_reason="awaiting_caller")
            elif i % 4 == 3:
                services.take(incident, agent)
    return sla_world


@pytest.mark.parametrize("role", ["agent_a", "manager"])
def test_the_list_costs_the_same_for_2_or_50_rows(busy_world: SlaWorld, role, django_assert_max_num_queries):
    client = busy_world.client(role)
    client.get(TIMERS)  # the token's first use records it; later requests do not write
    with clock.frozen(T0 + timedelta(hours=1)):
        # latest due first: both pages hold running office-hours timers (whose calendar is fetched)
        small = count_queries(client, TIMERS, {"limit": 2, "ordering": "-due_at"})
        large = count_queries(client, TIMERS, {"limit": 50, "ordering": "-due_at"})
        assert small == large
        # token, access rule (agents: watched tickets, teams), count, page, working hours, holidays
        with django_assert_max_num_queries(7 if role == "agent_a" else 5):
            assert len(client.get(TIMERS, {"limit": 50}).json()["results"]) == (33 if role == "agent_a" else 50)


# --- the `sla` list of an incident's detail -------------------------------------------------------------------


def test_the_desk_sees_every_timer_of_the_incident(sla_world: SlaWorld):
    inc_a = sla_world.incidents["inc_a"]
    with clock.frozen(T0 + timedelta(hours=2)):
        sla = sla_world.client("agent_a").get(f"{INCIDENTS}{inc_a.number}/").json()["sla"]
    assert [(t["definition"], t["agreement_type"], t["target"]) for t in sla] == [
        ("Resolution 8h", "sla", "resolution"), ("Response 1h", "sla", "response"), ("Desk OLA", "ola", "resolution")]
    resolution = sla[0]
    assert resolution == {
        "definition": "Resolution 8h", "definition_id": sla_world.definitions["resolution"].pk,
        "agreement_type": "sla", "target": "resolution", "stage": "in_progress", "due_at": "2026-11-02T16:00:00Z",
        "percent": 25.0, "breached": False, "breached_at": None, "paused": False,
    }
    # the response timer: 2 h of 1 h. Its breach is recorded by the sweep (every few seconds), not by a read
    assert sla[1]["stage"] == "in_progress" and sla[1]["percent"] == 200.0 and sla[1]["breached"] is False


def test_end_users_see_only_their_sla_not_internal_agreements(sla_world: SlaWorld):
    inc_a = sla_world.incidents["inc_a"]
    with clock.frozen(T0 + timedelta(minutes=30)):
        sla = sla_world.client("requester_a").get(f"{INCIDENTS}{inc_a.number}/").json()["sla"]
    assert [t["definition"] for t in sla] == ["Resolution 8h", "Response 1h"]  # no OLA
    assert all(set(t) == {"definition", "target", "stage", "due_at", "percent", "breached", "breached_at",
                          "paused"} for t in sla)
    assert sla[1]["percent"] == 50.0


def test_a_write_answers_with_the_updated_sla(sla_world: SlaWorld):
    inc_a = sla_world.incidents["inc_a"]
    client = sla_world.client("agent_a")
    with clock.frozen(T0 + timedelta(hours=1)):
        response = client.post(f"{INCIDENTS}{inc_a.number}/transition/",
                               {"state": "on_hold", "hold_reason": "awaiting_caller"}, format="json")
    assert response.status_code == 200, response.content
    resolution = response.json()["sla"][0]
    assert resolution["paused"] is True and resolution["stage"] == "paused" and resolution["due_at"] is None
    assert resolution["percent"] == 12.5


def test_resolved_late_the_incident_shows_the_breach(sla_world: SlaWorld):
    inc_a, agent = sla_world.incidents["inc_a"], sla_world.users["agent_a"]
    with clock.frozen(T0 + timedelta(minutes=20)):
        services.take(inc_a, agent)
    with clock.frozen(T0 + timedelta(hours=9)):
        services.transition(inc_a, agent, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    with clock.frozen(T0 + timedelta(days=2)):
        sla = {t["definition"]: t for t in sla_world.client("requester_a").get(f"{INCIDENTS}{inc_a.number}/")
               .json()["sla"]}
    assert sla["Resolution 8h"]["stage"] == "breached" and sla["Resolution 8h"]["breached"] is True
    assert sla["Resolution 8h"]["breached_at"] == "2026-11-02T16:00:00Z" and sla["Resolution 8h"]["percent"] == 112.5
    assert sla["Response 1h"]["stage"] == "achieved" and sla["Response 1h"]["percent"] == pytest.approx(33.3)


def test_cancelled_timers_are_left_out(sla_world: SlaWorld):
    inc_a = sla_world.incidents["inc_a"]
    services.transition(inc_a, sla_world.users["agent_a"], State.CANCELLED)
    assert SlaTimer.objects.filter(ticket=inc_a, stage=Stage.CANCELLED).count() == 3
    assert sla_world.client("agent_a").get(f"{INCIDENTS}{inc_a.number}/").json()["sla"] == []


def test_the_detail_costs_two_queries_more_with_office_hours_timers(sla_world: SlaWorld, make_incident,
                                                                    django_assert_max_num_queries):
    """The timers are one query (even when there are none); a running timer on office hours adds two: the working
    hours and the holidays of its schedule, whatever the number of timers."""
    inc_a = sla_world.incidents["inc_a"]
    client = sla_world.client("agent_a")
    other = make_incident(sla_world.users["requester_a"], title="with timers")
    assert SlaTimer.objects.filter(ticket=other).count() == 3
    SlaTimer.objects.filter(ticket=inc_a).delete()
    client.get(INCIDENTS)  # the agent's teams and watched tickets, read again after the writes, are kept
    without = count_queries(client, f"{INCIDENTS}{inc_a.number}/")
    with django_assert_max_num_queries(without + 2):
        assert len(client.get(f"{INCIDENTS}{other.number}/").json()["sla"]) == 3


def test_once_swept_a_late_running_timer_is_listed_as_breached(sla_world: SlaWorld):
    with clock.frozen(T0 + timedelta(hours=2)):
        record_due()
        body = sla_world.client("agent_a").get(TIMERS, {"breached": "true", "stage": "in_progress"}).json()
    assert [(r["ticket"]["number"], r["definition"]["name"]) for r in body["results"]] == [
        (sla_world.incidents["inc_a"].number, "Response 1h")]
    assert body["results"][0]["breached_at"] == "2026-11-02T09:00:00Z"
