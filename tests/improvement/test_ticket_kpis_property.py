"""Every ticket KPI equals a direct count on generated data (a property test).

Hypothesis builds a few incidents through the service functions, each opened at a random time of the last four
months and then resolved, reopened, handed to another team or closed at random later times (clock.frozen). The
test keeps its own record of what happened to each ticket (the timeline it generated) and counts, for each month in
the desk's time zone (Europe/Paris here, so that month boundaries are not UTC's), what each KPI's definition says;
the TTR and reopen figures are also counted with raw SQL written here. Each KPI's series must equal those counts,
for the manager (every ticket) and for an agent (their team's tickets).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import clock
from improvement.kpis import tickets
from improvement.kpis.periods import last_months, next_month
from incidents import services as incident_services
from incidents.choices import State

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
START = datetime(2026, 7, 25, tzinfo=UTC)  # a few days before the first month shown (August, in Paris)
HOUR = timedelta(hours=1)


@dataclass
class Timeline:
    """What the test did to one incident."""

    opened: datetime
    team: int  # 0: Service Desk, 1: Network (the current one)
    resolves: list[datetime] = field(default_factory=list)
    reopens: list[datetime] = field(default_factory=list)
    reassigned: bool = False
    resolved_at: datetime | None = None  # the row's stamp: the last resolution, cleared by a reopen
    closed_at: datetime | None = None
    number: str = ""


step = st.tuples(st.integers(1, 24 * 40), st.sampled_from(["resolve", "reopen", "reassign", "close"]))
ticket_plan = st.tuples(st.integers(0, 24 * 118), st.integers(0, 1), st.lists(step, max_size=5))


def month_of(instant: datetime) -> date:
    local = instant.astimezone(PARIS)
    return date(local.year, local.month, 1)


def build(plan, users, teams, service) -> Timeline:
    """Raise the incident and play its steps (those the workflow allows at that point), recording them."""
    opened_hours, team_index, steps = plan
    at = START + opened_hours * HOUR
    requester, agent_a, agent_b, manager = (users["requester_a"], users["agent_a"], users["agent_b"],
                                            users["manager"])
    with clock.frozen(at):
        incident = incident_services.create_incident(manager, {
            "title": "Printer jam", "description": "Again.", "service": service, "requester": requester,
            "team": teams[team_index]})
    line = Timeline(opened=at, team=team_index, number=incident.number)
    for hours, what in steps:
        at += hours * HOUR
        if at >= NOW:
            break
        state = incident.state
        with clock.frozen(at):
            if what == "resolve" and state in (State.NEW, State.IN_PROGRESS, State.ON_HOLD):
                incident = incident_services.transition(incident, manager, State.RESOLVED,
                                                         resolution_code="solved", resolution_notes="Fixed.")
                line.resolves.append(at)
                line.resolved_at = at
            elif what == "reopen" and state == State.RESOLVED:
                incident = incident_services.transition(incident, manager, State.IN_PROGRESS)
                line.reopens.append(at)
                line.resolved_at = None
            elif what == "reassign" and state in (State.NEW, State.IN_PROGRESS, State.ON_HOLD):
                line.team = 1 - line.team
                incident = incident_services.update_incident(incident, manager, {"team": teams[line.team]})
                line.reassigned = True
            elif what == "close" and state == State.RESOLVED:
                incident = incident_services.transition(incident, manager, State.CLOSED)
                line.closed_at = at
    del agent_a, agent_b
    return line


def expected(lines: list[Timeline], months: list[date]) -> dict[str, list[float | None]]:
    """Each KPI's series by its definition, from the timelines alone."""
    out: dict[str, list[float | None]] = {k: [] for k in ("ttr_mean", "ttr_median", "fcr", "reopen", "backlog")}
    for month in months:
        done = [line for line in lines if line.resolved_at and month_of(line.resolved_at) == month]
        hours = [(line.resolved_at - line.opened).total_seconds() / 3600 for line in done]  # type: ignore[operator]
        out["ttr_mean"].append(statistics.fmean(hours) if hours else None)
        out["ttr_median"].append(statistics.median(hours) if hours else None)
        first = [line for line in done if not line.reassigned and not line.reopens]
        out["fcr"].append(100.0 * len(first) / len(done) if done else None)
        resolved_in = [line for line in lines if any(month_of(t) == month for t in line.resolves)]
        back = [line for line in resolved_in
                if any(month_of(t) == month and any(r > t for r in line.reopens) for t in line.resolves)]
        out["reopen"].append(100.0 * len(back) / len(resolved_in) if resolved_in else None)
        end = min(datetime(next_month(month).year, next_month(month).month, 1, tzinfo=PARIS), NOW)
        ended = [min(t for t in (line.resolved_at, line.closed_at) if t) if (line.resolved_at or line.closed_at)
                 else None for line in lines]
        out["backlog"].append(float(sum(1 for line, e in zip(lines, ended, strict=True)
                                        if line.opened < end and (e is None or e >= end))))
    return out


def sql_ttr(months: list[date], numbers: list[str]) -> tuple[list[float | None], list[float | None]]:
    """Mean and median hours to resolve per Paris month, by raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT date_trunc('month', resolved_at AT TIME ZONE 'Europe/Paris')::date,
                   AVG(EXTRACT(EPOCH FROM resolved_at - opened_at)) / 3600,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM resolved_at - opened_at)) / 3600
            FROM core_ticket WHERE kind = 'incident' AND resolved_at IS NOT NULL AND number = ANY(%s) GROUP BY 1""",
                       [numbers])
        rows = {row[0]: (float(row[1]), float(row[2])) for row in cursor.fetchall()}
    return [rows[m][0] if m in rows else None for m in months], [rows[m][1] if m in rows else None for m in months]


def sql_reopen(months: list[date]) -> list[float | None]:
    """Reopen rate per Paris month, by raw SQL over the journal."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT date_trunc('month', r.created_at AT TIME ZONE 'Europe/Paris')::date, COUNT(DISTINCT r.ticket_id),
                   COUNT(DISTINCT r.ticket_id) FILTER (WHERE EXISTS (
                       SELECT 1 FROM core_journalentry o WHERE o.ticket_id = r.ticket_id AND o.field = 'state'
                       AND o.old_value IN ('resolved', 'closed') AND o.new_value IN ('new', 'in_progress', 'on_hold')
                       AND o.created_at > r.created_at))
            FROM core_journalentry r JOIN core_ticket t ON t.id = r.ticket_id
            WHERE t.kind = 'incident' AND r.field = 'state' AND r.new_value IN ('resolved', 'closed')
              AND r.old_value NOT IN ('resolved', 'closed')
            GROUP BY 1""")
        rows = {row[0]: 100.0 * row[2] / row[1] for row in cursor.fetchall()}
    return [rows.get(m) for m in months]


def close(actual: list[float | None], wanted: list[float | None]) -> bool:
    return len(actual) == len(wanted) and all(
        (a is None and w is None) or (a is not None and w is not None and abs(a - w) < 1e-3)
        for a, w in zip(actual, wanted, strict=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(plans=st.lists(ticket_plan, min_size=1, max_size=6))
@example(plans=[
    (24 * 10, 0, [(5, "resolve"), (30, "reopen"), (10, "resolve")]),  # reopened, then resolved again
    (24 * 20, 1, [(2, "reassign"), (3, "resolve"), (1, "close")]),  # handed to another team: not first contact
    (24 * 30, 0, [(190, "resolve")]),  # resolved at 22:00 UTC on 31 August: 1 September in Paris
    (24 * 40, 0, [(3, "resolve"), (2, "close")]),  # resolved at first contact, closed
    (24 * 50, 1, []),  # still open
])
def test_every_ticket_kpi_equals_a_direct_count(plans, users, team_service_desk, team_network, service_email,
                                                 settings_paris):
    teams = [team_service_desk, team_network]
    sid = transaction.savepoint()
    try:
        lines = [build(plan, users, teams, service_email) for plan in plans]
        with clock.frozen(NOW):
            months = last_months(4)
            assert months[0] == date(2026, 8, 1) and months[-1] == date(2026, 11, 1)
            want = expected(lines, months)
            manager = users["manager"]
            got = {
                "ttr_mean": tickets.mean_time_to_resolve(manager, months),
                "ttr_median": tickets.median_time_to_resolve(manager, months),
                "fcr": tickets.first_contact_resolution(manager, months),
                "reopen": tickets.reopen_rate(manager, months),
                "backlog": tickets.backlog(manager, months),
            }
            for key, series in got.items():
                assert close(series, want[key]), (key, series, want[key], lines)
            mean, median = sql_ttr(months, [line.number for line in lines])
            assert close(got["ttr_mean"], mean) and close(got["ttr_median"], median)
            assert close(got["reopen"], sql_reopen(months))
            # an agent of Service Desk: the tickets whose assignment group is Service Desk now
            mine = [line for line in lines if line.team == 0]
            want_agent = expected(mine, months)
            agent = users["agent_a"]
            assert close(tickets.mean_time_to_resolve(agent, months), want_agent["ttr_mean"])
            assert close(tickets.first_contact_resolution(agent, months), want_agent["fcr"])
            assert close(tickets.backlog(agent, months), want_agent["backlog"])
            assert close(tickets.reopen_rate(agent, months), want_agent["reopen"])
            # a single month computed alone equals the same month of the series (the rollup computes runs)
            for i, month in enumerate(months):
                assert close(tickets.backlog(manager, [month]), [want["backlog"][i]])
                assert close(tickets.reopen_rate(manager, [month]), [want["reopen"][i]])
    finally:
        transaction.savepoint_rollback(sid)


@pytest.fixture
def settings_paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    return settings
