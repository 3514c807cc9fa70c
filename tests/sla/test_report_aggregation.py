"""The dashboard's figures computed the fast way (sla.report: one GROUPING SETS query over the completed timers,
the mean times and the backlog read from covering indexes) equal the straightforward queries they replaced
(kept below as the reference), for every kind, for a manager and for agents (the access-rule subquery), on
random timers, including tickets whose timers disagree on service, team or priority (the fallback)."""

from __future__ import annotations

import logging
import random
import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, When
from django.test import Client

from core import clock
from core.models import Ticket
from problems import services as problem_services
from sla import report
from sla.models import AgreementType, Schedule, SlaDefinition, SlaTimer, Stage, Target
from tests.sla.dashboard_world import NOW, UTC, build_world

pytestmark = pytest.mark.django_db
KINDS = [None, "incident", "problem"]
PERIODS = [("30d", None, None), ("7d", None, None), ("custom", "2026-10-01", "2026-11-30")]


# --- the reference: the straightforward queries (one per figure, COUNT(DISTINCT), ORs over the tickets) -----------

def reference_compliance(user, period, kind) -> dict[str, list[dict]]:
    qs = report.completed_timers(user, period, kind)
    return {name: report._compliance_rows(qs, key, label)
            for name, (key, label) in report.COMPLIANCE_DIMENSIONS.items()}


def reference_summary(user, period, kind) -> dict[str, int]:
    return report.completed_timers(user, period, kind).aggregate(
        total=Count("id"), met=Count("id", filter=Q(stage=Stage.ACHIEVED)), tickets=Count("ticket_id", distinct=True),
        breached_earlier=Count("id", filter=Q(stage=Stage.BREACHED, breached_at__lt=period.since)),
    )


def reference_mean_times(user, period, kind) -> dict:
    tickets = report._tickets(user, kind)
    responded = Q(responded_at__gte=period.since, responded_at__lt=period.until)
    resolved = Q(resolved_at__gte=period.since, resolved_at__lt=period.until)
    wall = tickets.filter(responded | resolved).aggregate(
        mtta=Avg(ExpressionWrapper(F("responded_at") - F("opened_at"), output_field=DurationField()),
                 filter=responded),
        mttr=Avg(ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField()),
                 filter=resolved),
        mtta_n=Count("id", filter=responded), mttr_n=Count("id", filter=resolved),
    )
    response, resolution = Q(definition__target=Target.RESPONSE), Q(definition__target=Target.RESOLUTION)
    business = report.completed_timers(user, period, kind).aggregate(
        mtta=Avg("elapsed", filter=response), mttr=Avg("elapsed", filter=resolution),
        mtta_n=Count("id", filter=response), mttr_n=Count("id", filter=resolution),
    )

    def hours(value):
        return round(value.total_seconds() / 3600, 2) if value is not None else None

    return {
        "mtta_wall_hours": hours(wall["mtta"]), "mttr_wall_hours": hours(wall["mttr"]),
        "mtta_business_hours": hours(business["mtta"]), "mttr_business_hours": hours(business["mttr"]),
        "mtta_wall_count": wall["mtta_n"], "mttr_wall_count": wall["mttr_n"],
        "mtta_business_count": business["mtta_n"], "mttr_business_count": business["mttr_n"],
    }


def reference_backlog(user, now, kind) -> dict[int, int]:
    whens = []
    for index, (_label, low, high) in enumerate(report.AGE_BUCKETS):
        condition = Q()
        if low:
            condition &= Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=high))
        whens.append(When(condition, then=index))
    return dict(
        report._tickets(user, kind).filter(active=True)
        .annotate(bucket=Case(*whens, default=len(report.AGE_BUCKETS) - 1, output_field=IntegerField()))
        .values("bucket").annotate(n=Count("id")).values_list("bucket", "n")
    )


def assert_same_figures(user, period, kind) -> None:
    figures = report.completed(user, period, kind)
    assert figures.compliance == reference_compliance(user, period, kind)
    assert report.compliance(user, period, ["team", "priority"], kind=kind) == {
        name: figures.compliance[name] for name in ("team", "priority")}
    assert figures.summary == reference_summary(user, period, kind)
    assert report.mean_times(user, period, kind, figures) == reference_mean_times(user, period, kind)
    assert report.mean_times(user, period, kind) == reference_mean_times(user, period, kind)
    backlog = reference_backlog(user, NOW, kind)
    assert [row["count"] for row in report.backlog_by_age(user, NOW, kind)] == [
        backlog.get(index, 0) for index in range(len(report.AGE_BUCKETS))]
    whole = report.report(user, period, kind)
    assert whole["compliance"] == figures.compliance and whole["mean_times"] == report.mean_times(user, period, kind)


# --- random timers ----------------------------------------------------------------------------------------------

@pytest.fixture
def random_desk(make_incident, requester_a, agent_a, team_service_desk, team_network, service_email, service_vpn):
    """30 incidents and 10 problems (no definition yet: no timers), then timers and ticket instants written
    directly with random values; returns a function that fills them for a seed."""
    with clock.frozen(NOW - timedelta(days=60)):
        tickets = [make_incident(requester_a, title=f"Incident {i}") for i in range(30)]
        tickets += [problem_services.create_problem(agent_a, {"title": f"Problem {i}", "team": team_service_desk})
                    for i in range(10)]
    always = Schedule.objects.create(name="24x7 random", slug="24x7-random", time_zone="UTC", is_24x7=True)
    definitions = [
        SlaDefinition.objects.create(name=name, target=target, ticket_kind=kind, duration=timedelta(hours=8),
                                     schedule=always, agreement_type=AgreementType.SLA)
        for name, target, kind in (("Response", Target.RESPONSE, "incident"),
                                   ("Resolution", Target.RESOLUTION, "incident"),
                                   ("Zeta resolution", Target.RESOLUTION, "incident"),  # sorts after the others
                                   ("Problem fix", Target.RESOLUTION, "problem"))
    ]
    services_ = [service_email, service_vpn, None]
    teams = [team_service_desk, team_network, None]

    def fill(seed: int, *, disagree: bool = False) -> None:
        rnd = random.Random(seed)

        def instant(days: int = 45):
            return NOW - timedelta(seconds=rnd.randrange(days * 86400))

        timers = []
        for ticket in tickets:
            service, team, priority = rnd.choice(services_), rnd.choice(teams), rnd.choice([1, 2, 3, 4, 5, None])
            opened = instant(120)
            Ticket.objects.filter(pk=ticket.pk).update(
                opened_at=opened, active=rnd.random() < 0.4, team=team, priority=priority or 3,
                responded_at=opened + timedelta(minutes=rnd.randrange(1, 3000)) if rnd.random() < 0.7 else None,
                resolved_at=opened + timedelta(hours=rnd.randrange(1, 900)) if rnd.random() < 0.6 else None,
            )
            for definition in definitions:
                if (definition.ticket_kind != ticket.kind) or rnd.random() < 0.15:
                    continue
                if disagree and rnd.random() < 0.3:  # this timer's copy differs from its ticket's other timers
                    service, team, priority = rnd.choice(services_), rnd.choice(teams), rnd.choice([1, 2, None])
                stage = rnd.choice([Stage.ACHIEVED, Stage.ACHIEVED, Stage.BREACHED, Stage.CANCELLED,
                                    Stage.IN_PROGRESS])
                stopped = instant() if stage not in (Stage.IN_PROGRESS,) else None
                breached = stage == Stage.BREACHED or (stage == Stage.IN_PROGRESS and rnd.random() < 0.3)
                timers.append(SlaTimer(
                    ticket_id=ticket.pk, definition=definition, ticket_kind=ticket.kind, service=service, team=team,
                    priority=priority, stage=stage, started_at=opened, duration=timedelta(hours=8),
                    elapsed=timedelta(seconds=rnd.randrange(10 ** 6), microseconds=rnd.randrange(10 ** 6)),
                    elapsed_as_of=opened, stopped_at=stopped, breached=breached,
                    breached_at=(stopped or NOW) - timedelta(hours=rnd.randrange(0, 500)) if breached else None,
                ))
        SlaTimer.objects.bulk_create(timers)

    return fill


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_one_query_equals_the_straightforward_ones_on_random_timers(random_desk, seed, manager, agent_a, agent_b):
    random_desk(seed)
    for user in (manager, agent_a, agent_b):
        for kind in KINDS:
            for value, since, until in PERIODS:
                period = report.parse_period(value, since, until, now=NOW)
                assert_same_figures(user, period, kind)


@pytest.mark.parametrize("seed", [4, 5])
def test_tickets_whose_timers_disagree_are_counted_the_straightforward_way(random_desk, seed, manager, agent_a,
                                                                           team_network, team_service_desk, caplog):
    random_desk(seed, disagree=True)
    period = report.parse_period("30d", now=NOW)
    # and for certain: one ticket with two completed timers in the period, filed under two teams
    timers = report.completed_timers(manager, period, "incident")
    ticket_id = timers.order_by().values("ticket_id").annotate(n=Count("id")).filter(n__gt=1).values_list(
        "ticket_id", flat=True)[0]
    first, second = timers.filter(ticket_id=ticket_id).order_by("id")[:2]
    other = team_network if first.team_id != team_network.pk else team_service_desk
    SlaTimer.objects.filter(pk=second.pk).update(team=other)
    with caplog.at_level(logging.WARNING, logger="sla.report"):
        for user in (manager, agent_a):
            for kind in KINDS:
                assert_same_figures(user, period, kind)
    assert "differ in service, team or priority" in caplog.text


def test_no_timer_in_the_period_gives_empty_tables_and_no_means(manager, random_desk):
    random_desk(6)
    period = report.parse_period("custom", "2020-01-01", "2020-01-31", now=NOW)
    figures = report.completed(manager, period)
    assert figures.compliance == {name: [] for name in report.COMPLIANCE_DIMENSIONS}
    assert figures.summary == {"total": 0, "met": 0, "tickets": 0, "breached_earlier": 0}
    assert report.mean_times(manager, period)["mttr_business_hours"] is None
    assert_same_figures(manager, period, None)


# --- the seeded month of incidents plus problems: the page, per kind, and its drill-down links ------------------

@pytest.fixture
def month(requester_a, agent_a, agent_b, service_email, service_vpn, team_service_desk, team_network):
    world = build_world(requester=requester_a, agent_email=agent_a, agent_vpn=agent_b, service_email=service_email,
                        service_vpn=service_vpn)
    always = Schedule.objects.get(slug="24x7-dashboard")
    SlaDefinition.objects.create(name="Problem fix in 3 days", ticket_kind="problem", target=Target.RESOLUTION,
                                 agreement_type=AgreementType.OLA, duration=timedelta(days=3), schedule=always)
    problems = {}
    for key, team, agent, opened, days in (("met", team_service_desk, agent_a, datetime(2026, 11, 2, 8), 1),
                                           ("late", team_network, agent_b, datetime(2026, 11, 3, 8), 5),
                                           ("late too", team_network, agent_b, datetime(2026, 11, 9, 8), 4),
                                           ("open", team_service_desk, agent_a, datetime(2026, 11, 18, 8), None)):
        with clock.frozen(opened.replace(tzinfo=UTC)):
            problem = problem_services.create_problem(agent, {"title": f"Problem {key}", "team": team})
            problem_services.take(problem, agent)
        if days is not None:
            with clock.frozen(opened.replace(tzinfo=UTC) + timedelta(days=days)):
                problem_services.transition(problem, agent, "resolved", fix="Replaced the switch.")
        problems[key] = problem
    return world, problems


def test_the_page_shows_the_figures_of_the_straightforward_queries_for_each_kind(month, manager):
    client = Client()
    client.force_login(manager)
    period = report.parse_period("30d", now=NOW)
    for kind in ("incident", "problem"):
        with clock.frozen(NOW):
            response = client.get("/manager/sla/", {"kind": kind})
        assert response.status_code == 200
        reference = reference_compliance(manager, period, kind)
        tables = {t["name"]: t["rows"] for t in response.context["compliance_tables"]}
        for name, rows in reference.items():  # the page adds links, and names the priorities
            assert len(tables[name]) == len(rows), (kind, name)
            for shown, expected in zip(tables[name], rows, strict=True):
                keys = set(expected) - ({"label"} if name == "priority" else set())
                assert {k: shown[k] for k in keys} == {k: expected[k] for k in keys}, (kind, name)
        summary = response.context["summary"]
        expected = reference_summary(manager, period, kind)
        assert (summary["total"], summary["met"], summary["total_tickets"], summary["breached_earlier"]) == (
            expected["total"], expected["met"], expected["tickets"], expected["breached_earlier"])
        means = reference_mean_times(manager, period, kind)
        for row in response.context["mean_times"]:
            assert (row["business_hours"], row["business_count"], row["wall_hours"], row["wall_count"]) == (
                means[f"{row['key']}_business_hours"], means[f"{row['key']}_business_count"],
                means[f"{row['key']}_wall_hours"], means[f"{row['key']}_wall_count"])
        backlog = reference_backlog(manager, NOW, kind)
        assert [r["count"] for r in response.context["backlog"]] == [
            backlog.get(i, 0) for i in range(len(report.AGE_BUCKETS))]


def test_the_problem_page_links_each_figure_to_exactly_its_problems(month, manager):
    _world, problems = month
    client = Client()
    client.force_login(manager)
    with clock.frozen(NOW):
        response = client.get("/manager/sla/", {"kind": "problem"})
    numbers = {key: p.number for key, p in problems.items()}

    def listed(url: str) -> set[str]:
        assert url.startswith("/agent/problems/?"), url
        with clock.frozen(NOW):
            page = client.get(unescape(url))
        assert page.status_code == 200
        return {p.number for p in page.context["page"].object_list}

    tables = {t["name"]: t["rows"] for t in response.context["compliance_tables"]}
    assert [(r["label"], r["met"], r["total"]) for r in tables["definition"]] == [("Problem fix in 3 days", 1, 3)]
    assert [(r["label"], r["met"], r["breached"]) for r in tables["team"]] == [("Network", 0, 2),
                                                                               ("Service Desk", 1, 0)]
    for name, rows in tables.items():
        for row in rows:
            assert len(listed(row["total_url"])) == row["tickets"], (name, row["label"])
            assert len(listed(row["met_url"])) == row["met_tickets"], (name, row["label"])
            assert len(listed(row["breached_url"])) == row["breached_tickets"], (name, row["label"])
    summary = response.context["summary"]
    assert listed(summary["total_url"]) == {numbers["met"], numbers["late"], numbers["late too"]}
    backlog = response.context["backlog"]
    assert set().union(*(listed(r["url"]) for r in backlog)) == {numbers["open"]}
    body = response.content.decode()
    assert re.search(r'href="/agent/problems/\?[^"]*sla_stage=breached', body)
