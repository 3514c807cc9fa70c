"""Each timer carries its ticket's kind, service, team and priority (the dashboard groups the period's timers
without reading the tickets), and they follow the ticket on every change, stopped timers included."""

from __future__ import annotations

import pytest

from core import clock
from incidents import services
from sla.models import SlaTimer, Target
from sla.report import compliance, parse_period
from tests.sla.dashboard_world import NOW

pytestmark = pytest.mark.django_db


def test_timers_follow_their_ticket_and_the_report_groups_by_what_it_is_now(
        always, make_definition, requester_a, agent_a, service_email, service_vpn, team_network, manager):
    make_definition("Resolution 8 h", Target.RESOLUTION, schedule=always, hours=8)
    with clock.frozen(NOW.replace(day=10)):
        incident = services.create_incident(requester_a, {"title": "Mail down", "service": service_email})
    timer = SlaTimer.objects.get(ticket_id=incident.pk)
    assert (timer.ticket_kind, timer.service_id, timer.team_id, timer.priority) == (
        "incident", service_email.pk, incident.team_id, incident.priority)

    with clock.frozen(NOW.replace(day=11)):
        services.take(incident, agent_a)
        services.transition(incident, agent_a, "resolved", resolution_code="solved", resolution_notes="Fixed.")
    with clock.frozen(NOW.replace(day=12)):  # after the timer stopped, the desk files it elsewhere
        services.update_incident(incident, agent_a, {"service": service_vpn.pk, "team": team_network.pk,
                                                     "impact": 1, "urgency": 1})
    timer.refresh_from_db()
    incident.refresh_from_db()
    assert (timer.service_id, timer.team_id, timer.priority) == (service_vpn.pk, team_network.pk, incident.priority)

    with clock.frozen(NOW):
        figures = compliance(manager, parse_period("30d", now=NOW), kind="incident")
    assert [row["label"] for row in figures["service"]] == ["VPN"]
    assert [row["label"] for row in figures["team"]] == [team_network.name]
    assert compliance(manager, parse_period("30d", now=NOW), kind="problem")["service"] == []
