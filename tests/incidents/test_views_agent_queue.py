"""The agent's queue pages: roles, the visible set, saved queues, filters, sorting, paging and bulk actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services
from incidents.choices import State
from tests.incidents import views_support
from tests.incidents.views_support import END_USERS, STAFF, VISIBLE, keys_for, numbers_in

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
QUEUE = reverse("agent-incidents")


def queue_keys(world, role, params=""):
    response = world.client(role).get(f"{QUEUE}{params}")
    assert response.status_code == 200, response.content.decode()[:2000]
    return keys_for(world, numbers_in(response.content.decode()))


@pytest.mark.parametrize("role", END_USERS)
def test_end_users_get_403_on_every_agent_page(ui_world, role):
    client = ui_world.client(role)
    number = ui_world.number("inc_a")
    assert client.get(QUEUE).status_code == 403
    assert client.get(reverse("agent-incident", args=[number])).status_code == 403
    assert client.post(reverse("agent-incident-comment", args=[number]), {"body": "x"}).status_code == 403
    assert client.post(reverse("agent-incidents-bulk"), {"action": "assign"}).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(ui_world):
    response = ui_world.client("anonymous").get(QUEUE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", STAFF)
def test_the_open_queue_holds_exactly_the_visible_set(ui_world, role):
    assert queue_keys(ui_world, role, "?queue=open") == VISIBLE[role]


def test_queues_mine_and_my_teams(ui_world):
    agent = ui_world.users["agent_a"]
    services.take(ui_world.incidents["inc_a"], agent)
    assert queue_keys(ui_world, "agent_a", "?queue=mine") == {"inc_a"}
    assert queue_keys(ui_world, "agent_a", "?queue=my-teams") == {"inc_a2"}  # unassigned team work
    assert queue_keys(ui_world, "agent_b", "?queue=mine") == set()
    assert queue_keys(ui_world, "manager", "?queue=my-teams") == set()  # no teams: nothing, not everything


def test_recent_includes_closed_work_and_open_does_not(ui_world):
    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    services.transition(incident, agent, State.CANCELLED)
    assert "inc_a" not in queue_keys(ui_world, "agent_a", "?queue=open")
    assert "inc_a" in queue_keys(ui_world, "agent_a", "?queue=recent")


def test_filters_narrow_within_the_access_rule(ui_world, team_network, service_vpn):
    services.take(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    assert queue_keys(ui_world, "manager", f"?team={team_network.pk}") == {"inc_b", "inc_b2"}
    assert queue_keys(ui_world, "manager", f"?service={service_vpn.pk}&q=certificate") == {"inc_b2"}
    assert queue_keys(ui_world, "manager", "?state=in_progress") == {"inc_a"}
    assert queue_keys(ui_world, "manager", "?unassigned=true") == {"inc_a2", "inc_b", "inc_b2"}
    assert queue_keys(ui_world, "manager", f"?q={ui_world.number('inc_b')}") == {"inc_b"}
    # an agent filtering on another team's work still sees nothing of it
    assert queue_keys(ui_world, "agent_a", f"?team={team_network.pk}") == set()
    assert queue_keys(ui_world, "agent_a", f"?q={ui_world.number('inc_b')}") == set()


def test_opened_range_filters_by_date(ui_world):
    assert queue_keys(ui_world, "manager", "?opened_after=2000-01-01") == VISIBLE["manager"]
    assert queue_keys(ui_world, "manager", "?opened_before=2000-01-01") == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("?ordering=title", "Cannot sort by “title”. Sort by priority, last update"),
        ("?ordering=-password", "Cannot sort by “-password”"),
        ("?queue=everything", "Unknown queue “everything”. Known queues: Assigned to me, My teams - unassigned"),
        ("?state=bogus", "Select a valid choice"),
        ("?team=abc", "is not a valid value"),
        ("?team=99999999999999999999999", "Select a valid choice"),
        ("?opened_after=yesterday", "Enter a valid date/time"),
        ("?priority=9", "Select a valid choice"),
        ("?q=a%00b", "Null characters are not allowed"),
    ],
)
def test_bad_filters_and_orderings_are_400_with_the_reason(ui_world, params, message):
    response = ui_world.client("agent_a").get(f"{QUEUE}{params}")
    html = response.content.decode()
    assert response.status_code == 400, html[:1000]
    assert message in html
    assert numbers_in(html) == set()  # no half-filtered list


def test_sorting_by_priority_and_by_update(ui_world):
    agent = ui_world.users["manager"]
    services.update_incident(ui_world.incidents["inc_b2"], agent, {"impact": 1, "urgency": 1})  # P1
    services.add_comment(ui_world.incidents["inc_a"], agent, "bump")  # most recently updated
    client = ui_world.client("manager")
    by_priority = client.get(f"{QUEUE}?ordering=priority").content.decode()
    assert by_priority.index(ui_world.number("inc_b2")) < by_priority.index(ui_world.number("inc_a"))
    by_update = client.get(f"{QUEUE}?ordering=-updated_at").content.decode()
    assert by_update.index(ui_world.number("inc_a")) < by_update.index(ui_world.number("inc_b2"))
    assert 'aria-sort="descending"' in by_update


def test_pages_of_fifty(ui_world, make_incident):
    requester = ui_world.users["requester_b"]
    for n in range(52):
        make_incident(requester, title=f"Bulk {n}")
    client = ui_world.client("manager")
    first = client.get(QUEUE).content.decode()
    assert len(numbers_in(first)) == 50 and "56 incidents" in first and "page 1 of 2" in first
    second = client.get(f"{QUEUE}?page=2").content.decode()
    assert len(numbers_in(second)) == 6 and not numbers_in(first) & numbers_in(second)
    assert client.get(f"{QUEUE}?page=999").status_code == 200  # the last page, not an error


def test_the_workspace_home_counts_queues_through_the_access_rule(ui_world):
    services.take(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    html = ui_world.client("agent_a").get(reverse("agent-home")).content.decode()
    assert 'data-testid="queue-count-mine">1<' in html
    assert 'data-testid="queue-count-my-teams">1<' in html
    assert 'data-testid="queue-count-open">2<' in html  # never the 4 open incidents of the desk


# --- Bulk actions ---------------------------------------------------------------------------------------


def bulk(client, **data):
    return client.post(reverse("agent-incidents-bulk"), {"next": f"{QUEUE}?queue=open", **data}, follow=True)


def test_bulk_assign_reports_each_failure(ui_world, team_service_desk):
    agent = ui_world.users["agent_a"]
    manager = ui_world.client("manager")
    numbers = [ui_world.number("inc_a"), ui_world.number("inc_b")]
    response = bulk(manager, action="assign", numbers=numbers, assignee=agent.pk)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{QUEUE}?queue=open"
    assert f"Assigned 1 incident: {numbers[0]}" in html
    assert f"{numbers[1]} was not changed: Test Agent_A is not a member of Network." in html
    assert ui_world.refresh("inc_a").assignee == agent and ui_world.refresh("inc_b").assignee is None


def test_bulk_moves_to_another_team(ui_world, team_network):
    manager = ui_world.client("manager")
    bulk(manager, action="assign", numbers=[ui_world.number("inc_a"), ui_world.number("inc_a2")],
         team=team_network.pk)
    assert ui_world.refresh("inc_a").team == team_network and ui_world.refresh("inc_a2").team == team_network


def test_bulk_resolve_needs_its_fields_and_applies_them(ui_world):
    client = ui_world.client("agent_a")
    numbers = [ui_world.number("inc_a"), ui_world.number("inc_a2")]
    html = bulk(client, action="transition", numbers=numbers, state="resolved").content.decode()
    assert "was not changed" in html and "Resolving needs a resolution code" in html
    assert ui_world.refresh("inc_a").state == State.NEW
    html = bulk(client, action="transition", numbers=numbers, state="resolved", resolution_code="solved",
                resolution_notes="Mail relay restarted").content.decode()
    assert "Updated 2 incidents" in html
    assert ui_world.refresh("inc_a").state == State.RESOLVED and ui_world.refresh("inc_a2").state == State.RESOLVED


def test_bulk_never_touches_invisible_incidents(ui_world):
    client = ui_world.client("agent_a")
    number_b = ui_world.number("inc_b")
    html = bulk(client, action="transition", numbers=[number_b], state="cancelled").content.decode()
    assert f"{number_b}: no such incident that you can see." in html
    assert ui_world.refresh("inc_b").state == State.NEW


def test_bulk_without_rows_or_choice_says_what_is_missing(ui_world):
    client = ui_world.client("agent_a")
    html = bulk(client, action="assign").content.decode()
    assert "Tick at least one incident." in html and "Choose a team or an assignee." in html
