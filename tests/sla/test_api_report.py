"""GET /api/v1/sla/report/: managers and admins only, the period is validated by name, and the figures match
incidents driven through time on a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from incidents import services
from incidents.choices import State
from sla.sweep import record_due
from tests.sla.api_support import API, ROLES, T0, SlaWorld, sla_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
REPORT = f"{API}report/"


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_and_admins_read_the_report(sla_world: SlaWorld, role):
    response = sla_world.client(role).get(REPORT)
    expected = {"anonymous": 401, "manager": 200, "admin": 200}.get(role, 403)
    assert response.status_code == expected, response.content
    if expected == 200:
        assert {"period", "compliance", "breaches_over_time", "mean_times", "backlog_by_age"} <= set(response.json())


@pytest.fixture
def history(sla_world: SlaWorld, make_incident, service_email) -> SlaWorld:
    """On 2 November 2026 (a Monday): inc_a resolved in 4 h (in time), inc_b resolved in 9 h (8 h allowed: late),
    a third incident still open. Responses: inc_a taken after 30 min (in time), inc_b after 2 h (late)."""
    inc_a, inc_b = sla_world.incidents["inc_a"], sla_world.incidents["inc_b"]
    agent_a, agent_b = sla_world.users["agent_a"], sla_world.users["agent_b"]
    with clock.frozen(T0 + timedelta(minutes=30)):
        services.take(inc_a, agent_a)
    with clock.frozen(T0 + timedelta(hours=1, minutes=30)):
        record_due()  # the sweep sees inc_b's response breach
    with clock.frozen(T0 + timedelta(hours=2)):
        services.take(inc_b, agent_b)
    with clock.frozen(T0 + timedelta(hours=4)):
        services.transition(inc_a, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    with clock.frozen(T0 + timedelta(hours=8, minutes=30)):
        record_due()  # ...and its resolution breach
    with clock.frozen(T0 + timedelta(hours=9)):
        services.transition(inc_b, agent_b, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
        make_incident(sla_world.users["requester_a"], title="Still open", service=service_email)
    return sla_world


def rows_by_label(rows: list[dict]) -> dict:
    return {row["label"]: row for row in rows}


def test_the_figures_match_what_happened(history: SlaWorld):
    with clock.frozen(T0 + timedelta(days=1)):
        body = history.client("manager").get(REPORT, {"period": "7d"}).json()
    by_definition = rows_by_label(body["compliance"]["definition"])
    assert by_definition["Resolution 8h"]["total"] == 2 and by_definition["Resolution 8h"]["met"] == 1
    assert by_definition["Resolution 8h"]["breached"] == 1 and by_definition["Resolution 8h"]["compliance"] == 50.0
    assert by_definition["Response 1h"]["met"] == 1 and by_definition["Response 1h"]["breached"] == 1
    assert "Desk OLA" in by_definition  # both resolved within the office hours allowed
    assert by_definition["Desk OLA"]["compliance"] == 100.0
    by_team = rows_by_label(body["compliance"]["team"])
    assert by_team["Network"]["breached"] == 2 and by_team["Service Desk"]["breached"] == 0
    assert sum(day["count"] for day in body["breaches_over_time"]) == 2
    assert body["mean_times"]["mttr_wall_hours"] == 6.5  # (4 + 9) / 2
    assert body["mean_times"]["mtta_wall_hours"] == 1.25  # (0.5 + 2) / 2
    assert sum(bucket["count"] for bucket in body["backlog_by_age"]) == 1  # the one still open


def test_a_custom_period_outside_the_history_counts_nothing(history: SlaWorld):
    client = history.client("admin")
    with clock.frozen(T0 + timedelta(days=1)):
        inside = client.get(REPORT, {"period": "custom", "since": "2026-11-01", "until": "2026-11-02"}).json()
        before = client.get(REPORT, {"period": "custom", "since": "2026-10-01", "until": "2026-10-31"}).json()
    assert rows_by_label(inside["compliance"]["definition"])["Resolution 8h"]["total"] == 2
    assert before["compliance"]["definition"] == [] and before["breaches_over_time"] == []
    assert before["period"]["since"].startswith("2026-10-01")


@pytest.mark.parametrize(("params", "field"), [
    ({"period": "1y"}, "period"),
    ({"period": "custom"}, "since"),
    ({"period": "custom", "since": "2026-11-01"}, "until"),
    ({"period": "custom", "since": "first of may", "until": "2026-11-02"}, "since"),
    ({"period": "custom", "since": "2026-11-01", "until": "2026-13-45"}, "until"),
    ({"period": "custom", "since": "2026-11-02", "until": "2026-11-01"}, "until"),
    ({"period": "custom", "since": "2020-01-01", "until": "2026-01-01"}, "until"),
    ({"period": "custom", "since": "2026-01-01", "until": "9999-12-31"}, "until"),
])
def test_a_bad_period_is_a_400_naming_the_parameter(sla_world: SlaWorld, params, field):
    response = sla_world.client("manager").get(REPORT, params)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
