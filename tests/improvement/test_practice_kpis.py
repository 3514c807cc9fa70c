"""The KPIs of the kpi_world (conftest), counted by hand: time to resolve, first contact, reopens, backlog, SLA
compliance, changes, knowledge deflections and the problems with the most incidents; filters and scopes."""

from __future__ import annotations

from datetime import date

import pytest

from core import clock
from improvement import kpis
from improvement.kpis import practices
from improvement.kpis.periods import last_months
from sla.models import SlaTimer
from tests.improvement.conftest import NOW

pytestmark = pytest.mark.django_db
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def near(value: float):
    return pytest.approx(value, abs=1e-3)


def sla_by_hand(month: date) -> float:
    """Met / completed incident timers stopped in the month, counted here."""
    timers = [t for t in SlaTimer.objects.filter(ticket__kind="incident", stopped_at__isnull=False)
              if t.stopped_at.date().replace(day=1) == month and t.stage in ("achieved", "breached")]
    return 100.0 * sum(t.stage == "achieved" for t in timers) / len(timers)


def series(key, user, months, **filters):
    with clock.frozen(NOW):
        return kpis.find(key).values(user, months, filters)


def test_the_kpis_of_the_world_are_those_counted_by_hand(kpi_world, manager):
    months = [OCT, NOV]
    assert series("ttr_mean", manager, months) == [near((4 + 12 + 6) / 3), 6.5]
    assert series("ttr_median", manager, months) == [6.0, 6.5]
    # October: the moved incident was handed to another group; November: the reopened one does not count
    assert series("fcr", manager, months) == [near(200 / 3), 50.0]
    # November: two tickets with a resolution, one of them reopened afterwards
    assert series("reopen_rate", manager, months) == [0.0, 50.0]
    # the end of October: none open (all October tickets resolved); now: the open one
    assert series("backlog", manager, months) == [0.0, 1.0]
    # SLA 8 h resolution: October 4 h and 6 h met, 12 h breached; November as the SLA engine recorded the timers
    assert series("sla_compliance", manager, months) == [near(200 / 3), near(sla_by_hand(NOV))]
    assert series("change_success", manager, months) == [100.0, 0.0]
    assert series("change_incidents", manager, months) == [0.0, 100.0]
    assert series("deflections", manager, months) == [0.0, 1.0]


def test_filters_narrow_the_ticket_kpis(kpi_world, manager, team_network, service_vpn):
    months = [OCT, NOV]
    assert series("ttr_mean", manager, months, team=team_network.pk) == [6.0, 3.0]
    assert series("ttr_mean", manager, months, service=service_vpn.pk) == [None, 3.0]
    assert series("ttr_mean", manager, months, priority=1) == [None, 3.0]
    assert series("ttr_mean", manager, months, kind="problem") == [None, None]
    assert series("backlog", manager, months, kind="problem") == [0.0, 1.0]  # the problem is open


def test_an_agent_reads_the_figures_of_their_teams_and_an_end_user_none(kpi_world, agent_a, agent_b,
                                                                        requester_a):
    months = [OCT, NOV]
    assert series("ttr_mean", agent_a, months) == [8.0, 10.0]  # Service Desk's: 4 h and 12 h; the reopened 10 h
    assert series("ttr_mean", agent_b, months) == [6.0, 3.0]  # Network's
    assert series("backlog", agent_b, months) == [0.0, 0.0]
    assert series("ttr_mean", requester_a, months) == [None, None]
    assert series("deflections", requester_a, months) == [0.0, 0.0]
    assert series("sla_compliance", agent_b, months) == [100.0, 100.0]


def test_the_problems_with_the_most_incidents(kpi_world, manager, agent_b):
    rows = practices.top_problems(manager)
    assert [(row["ticket"].number, row["incidents"]) for row in rows] == [(kpi_world.problem.number, 3)]
    assert rows[0]["url"].endswith(f"/{kpi_world.problem.number}/")
    assert practices.top_problems(agent_b) == []  # a Service Desk problem


def test_months_run_oldest_first_to_the_running_month():
    with clock.frozen(NOW):
        months = last_months(12)
    assert months[0] == date(2025, 12, 1) and months[-1] == NOV and len(months) == 12
