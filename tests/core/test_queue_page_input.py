"""Odd input on the generic pages answers with a message, never a 500; a failed bulk action keeps its choices."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_non_ascii_digit_as_a_team_or_person_is_no_500(client, agent_a, requester_a, make_incident):
    incident = make_incident(requester_a, title="Printer offline")
    client.force_login(agent_a)
    assert client.get(reverse("people-assignees"), {"team": "²"}).status_code == 200
    for url in (reverse("agent-incidents"), reverse("agent-problems")):
        assert client.get(url, {"assignee": "²"}).status_code == 400  # the filter names what is wrong
    page = client.post(reverse("agent-incident", args=[incident.number]),
                       {"team": "²", "title": incident.title, "version": incident.version})
    assert page.status_code == 400
    bulk = client.post(reverse("agent-incidents-bulk"), {"numbers": [incident.number], "action": "assign",
                                                         "team": "²"}, follow=True)
    assert bulk.status_code == 200 and "Assignment group:" in bulk.content.decode()


def test_after_a_failed_bulk_assignment_the_chosen_team_and_assignee_are_offered_again(
        client, manager, agent_b, requester_a, make_incident, team_network):
    incident = make_incident(requester_a, title="Printer offline")
    client.force_login(manager)  # sees the incident in its new team too
    client.post(reverse("agent-incidents-bulk"), {"numbers": [incident.number, "INC9999999"], "action": "assign",
                                                  "team": team_network.pk, "assignee": agent_b.pk})
    html = client.get(reverse("agent-incidents")).content.decode()
    assignees = html.split('id="bulk_assignee"')[1].split("</select>")[0]
    assert f'<option value="{agent_b.pk}" selected>' in assignees
    assert "bulk-failed" not in html  # the unknown number was not a row; the moved incident is not failed


def test_handing_a_ticket_to_another_team_goes_back_to_the_queue_not_to_a_404(
        client, agent_a, requester_a, make_incident, team_network):
    incident = make_incident(requester_a, title="Printer offline")
    client.force_login(agent_a)
    data = {"version": incident.version, "title": incident.title, "impact": incident.impact,
            "urgency": incident.urgency, "channel": incident.channel, "team": team_network.pk}
    htmx = client.post(reverse("agent-incident", args=[incident.number]), data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == reverse("agent-incidents")
    incident.refresh_from_db()
    assert incident.team_id == team_network.pk
    queue = client.get(reverse("agent-incidents")).content.decode()
    assert f"{incident.number} now belongs to a team you are not in" in queue
