"""SLA timers in the agent workspace: the ticket page panel, the queue's due column and "Breaching soon"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from core import clock
from incidents import services
from incidents.choices import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolution(always, make_definition):
    return make_definition("Resolution 8h", schedule=always, hours=8)


def test_ticket_page_shows_the_timer_and_it_stops_while_on_hold(client, requester_a, agent_a, make_incident,
                                                                 resolution):
    start = clock.now() - timedelta(hours=2)
    with clock.frozen(start):
        incident = services.take(make_incident(requester_a), agent_a)
    client.force_login(agent_a)
    html = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert "Resolution 8h" in html and 'data-stage="in_progress"' in html
    assert "5 h 59 min left" in html or "6 h 0 min left" in html

    services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_caller")
    panel = client.get(reverse("agent-incident-sla", args=[incident.number])).content.decode()
    assert 'data-stage="paused"' in panel and "(paused)" in panel and "clock stopped" in panel

    services.transition(incident, agent_a, State.IN_PROGRESS)
    panel = client.get(reverse("agent-incident-sla", args=[incident.number])).content.decode()
    assert 'data-stage="in_progress"' in panel and "due " in panel


def test_state_change_with_htmx_refreshes_the_sla_panel(client, requester_a, agent_a, make_incident, resolution):
    incident = services.take(make_incident(requester_a), agent_a)
    client.force_login(agent_a)
    response = client.post(
        reverse("agent-incident-state", args=[incident.number]),
        {"state": "on_hold", "hold_reason": "awaiting_caller", "version": incident.version}, HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'id="sla-panel"' in html and 'hx-swap-oob="true"' in html and 'data-stage="paused"' in html


def test_sla_panel_follows_the_access_rule(client, requester_a, requester_b, agent_b, make_incident, resolution):
    incident = make_incident(requester_a)
    client.force_login(agent_b)  # Network team: not theirs
    assert client.get(reverse("agent-incident-sla", args=[incident.number])).status_code == 404
    client.force_login(requester_a)
    assert client.get(reverse("agent-incident-sla", args=[incident.number])).status_code == 403


def test_queue_shows_the_due_time_and_breaching_soon_lists_what_is_due(client, requester_a, agent_a, make_incident,
                                                                      always, make_definition):
    make_definition("Resolution 3h", schedule=always, hours=3)
    now = clock.now()
    with clock.frozen(now - timedelta(hours=4)):
        overdue = make_incident(requester_a, title="Overdue one")
    with clock.frozen(now - timedelta(hours=2)):
        soon = make_incident(requester_a, title="Due within the hour")
    later = make_incident(requester_a, title="Due in three hours")
    client.force_login(agent_a)
    html = client.get(reverse("agent-incidents") + "?queue=breaching").content.decode()
    assert "Overdue one" in html and "Due within the hour" in html and "Due in three hours" not in html
    assert html.index("Overdue one") < html.index("Due within the hour")  # nearest due first
    assert "overdue" in html
    html = client.get(reverse("agent-incidents") + "?queue=open&ordering=-sla_due_at").content.decode()
    assert html.index(later.title) < html.index(soon.title) < html.index(overdue.title)


def test_resolved_incidents_leave_the_breaching_queue(client, requester_a, agent_a, make_incident, always,
                                                      make_definition):
    make_definition("Resolution 1h", schedule=always, hours=1)
    with clock.frozen(clock.now() - timedelta(hours=2)):
        incident = services.take(make_incident(requester_a, title="Late but fixed"), agent_a)
    services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="done")
    client.force_login(agent_a)
    assert "Late but fixed" not in client.get(reverse("agent-incidents") + "?queue=breaching").content.decode()


def test_drill_down_filters_are_kept_and_shown_on_the_queue(client, requester_a, agent_a, make_incident, always,
                                                            make_definition):
    definition = make_definition("Resolution 1h", schedule=always, hours=1)
    with clock.frozen(clock.now() - timedelta(hours=3)):
        late = services.take(make_incident(requester_a, title="Fixed late"), agent_a)
    services.transition(late, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="done")
    make_incident(requester_a, title="Still fine")
    client.force_login(agent_a)
    url = reverse("agent-incidents") + f"?queue=recent&sla_definition={definition.pk}&sla_breached=true"
    html = client.get(url).content.decode()
    assert "Fixed late" in html and "Still fine" not in html
    assert 'data-testid="hidden-filters"' in html and "Resolution 1h" in html
    assert f'<input type="hidden" name="sla_definition" value="{definition.pk}">' in html
    assert '<input type="hidden" name="sla_breached" value="true">' in html
