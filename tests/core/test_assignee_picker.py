"""The assignee pickers offer the agents of the chosen team (tens of options, never the desk's hundreds), reload
when the team changes, and never drop the current assignee."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def option_values(html: str, select_id: str) -> set[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select #{select_id}"
    return set(re.findall(r'<option value="([^"]*)"', select.group(1)))


def test_the_incident_page_offers_the_agents_of_its_team_and_reloads_them_with_the_team(
        client, agent_a, agent_b, requester_a, make_incident, team_network):
    incident = make_incident(requester_a, title="Printer offline")
    client.force_login(agent_a)
    html = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert option_values(html, "id_assignee") == {"", str(agent_a.pk)}  # agent_b is in another team
    assert f'hx-get="{reverse("people-assignees")}?blank=Unassigned"' in html and 'hx-target="#id_assignee"' in html

    reloaded = client.get(reverse("people-assignees"), {"team": team_network.pk, "blank": "Unassigned"})
    assert reloaded.status_code == 200
    assert set(re.findall(r'<option value="([^"]*)"', reloaded.content.decode())) == {"", str(agent_b.pk)}
    assert set(re.findall(r'value="([^"]*)"', client.get(reverse("people-assignees"), {"team": "x"}).content
                          .decode())) == {""}  # no team: no assignee (it needs one)


def test_the_current_assignee_stays_offered_after_leaving_the_team(client, agent_a, manager, requester_a,
                                                                   make_incident, team_service_desk):
    from incidents import services

    incident = make_incident(requester_a, title="Printer offline")
    services.take(incident, agent_a)
    agent_a.teams.remove(team_service_desk)
    client.force_login(manager)
    html = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert str(agent_a.pk) in option_values(html, "id_assignee")


def test_the_bulk_panel_offers_the_agents_of_the_users_teams_until_a_team_is_chosen(client, agent_a, agent_b,
                                                                                    requester_a, make_incident):
    make_incident(requester_a, title="Printer offline")
    client.force_login(agent_a)
    html = client.get(reverse("agent-incidents")).content.decode()
    assert option_values(html, "bulk_assignee") == {"", str(agent_a.pk)}
    mine = client.get(reverse("people-assignees"), {"team": "", "fallback": "mine", "blank": "Keep the assignee"})
    assert "Keep the assignee" in mine.content.decode() and f'value="{agent_a.pk}"' in mine.content.decode()


def test_end_users_get_no_assignee_list(client, requester_a, team_service_desk):
    client.force_login(requester_a)
    assert client.get(reverse("people-assignees"), {"team": team_service_desk.pk}).status_code == 403
