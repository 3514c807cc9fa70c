"""Desk capacity: open tickets per team and per agent against the team's capacity per agent, equal to direct counts
(through the access rule), most loaded first; managers set a team's capacity; the page and the API cost a fixed
number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capacity import desk
from capacity.models import DeskCapacity
from core.models import Ticket
from incidents import services as incident_services
from incidents.choices import ResolutionCode, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(make_incident, requester_a, agent_a, agent_b, team_service_desk, team_network, manager):
    """Service desk: 3 open (2 for agent_a, 1 unassigned) and 1 resolved; network: 1 open for agent_b."""
    for _ in range(2):
        make_incident(requester_a, actor=agent_a, team=team_service_desk, assignee=agent_a)
    make_incident(requester_a, actor=agent_a, team=team_service_desk)
    done = make_incident(requester_a, actor=agent_a, team=team_service_desk, assignee=agent_a)
    incident_services.transition(done, agent_a, State.RESOLVED, resolution_code=ResolutionCode.SOLVED,
                                 resolution_notes="Fixed.")
    make_incident(requester_a, actor=agent_b, team=team_network, assignee=agent_b)
    DeskCapacity.objects.create(team=team_service_desk, open_per_agent=4)


def test_figures_equal_direct_counts(work, manager, agent_a, agent_b, team_service_desk, team_network):
    teams, agents = desk.figures(manager)
    by_team = {line.name: line for line in teams}
    for team in (team_service_desk, team_network):
        expected = Ticket.objects.filter(team=team, active=True).count()
        assert by_team[team.name].open == expected
    sd = by_team["Service Desk"]
    assert (sd.open, sd.unassigned, sd.agents, sd.per_agent, sd.capacity, sd.utilisation) == (3, 1, 1, 4, 4, 75.0)
    net = by_team["Network"]
    assert (net.per_agent, net.capacity, net.utilisation) == (desk.DEFAULT_OPEN_PER_AGENT, 10, 10.0)
    by_agent = {line.id: line for line in agents}
    assert by_agent[agent_a.pk].open == Ticket.objects.filter(assignee=agent_a, active=True).count() == 2
    assert (by_agent[agent_a.pk].capacity, by_agent[agent_a.pk].utilisation) == (4, 50.0)
    assert by_agent[agent_b.pk].open == 1
    assert [line.name for line in teams] == ["Service Desk", "Network"]  # most loaded first


def test_an_agent_sees_only_their_teams(work, agent_a):
    teams, agents = desk.figures(agent_a)
    assert [line.name for line in teams] == ["Service Desk"]
    assert [line.id for line in agents] == [agent_a.pk]


def test_the_desk_page_and_api_for_managers_only(work, client, token_client, users):
    client.force_login(users["manager"])
    html = client.get(reverse("capacity-desk")).content.decode()
    assert "Service Desk" in html and "75%" in html and "Over capacity" not in html
    for name in ("agent_a", "requester_a"):
        client.force_login(users[name])
        assert client.get(reverse("capacity-desk")).status_code == 403
        assert token_client(users[name]).get("/api/v1/capacity/desk/").status_code == 403
    body = token_client(users["manager"]).get("/api/v1/capacity/desk/").json()
    sd = next(t for t in body["teams"] if t["name"] == "Service Desk")
    assert (sd["open"], sd["capacity"], sd["utilisation"], sd["unassigned"]) == (3, 4, 75.0, 1)


def test_a_manager_sets_a_teams_capacity(work, client, manager, team_network):
    client.force_login(manager)
    response = client.post(reverse("capacity-desk"), {"team": team_network.pk, "open_per_agent": 1})
    assert response.status_code == 302
    assert DeskCapacity.objects.get(team=team_network).open_per_agent == 1
    html = client.get(reverse("capacity-desk")).content.decode()
    assert "100%" in html
    bad = client.post(reverse("capacity-desk"), {"team": team_network.pk, "open_per_agent": 0})
    assert bad.status_code == 400 and "greater than or equal to 1" in bad.content.decode()
    assert client.post(reverse("capacity-desk"), {"team": "x", "open_per_agent": 3}).status_code == 404


def test_the_desk_page_costs_the_same_queries_whatever_the_work(work, client, manager, make_incident, requester_a,
                                                                agent_a, team_service_desk,
                                                                django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("capacity-desk"))
    for _ in range(5):
        make_incident(requester_a, actor=agent_a, team=team_service_desk, assignee=agent_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("capacity-desk"))
