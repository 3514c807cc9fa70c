"""The agent's "New incident" page: a ticket logged on behalf of a caller picked with the people search."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.models import JournalEntry
from incidents.models import Incident
from tests.incidents import views_support
from tests.incidents.views_support import END_USERS, upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
NEW = reverse("agent-incident-new")


def create_data(caller, service, **overrides):
    data = {"q": "", "requester": caller.pk, "title": "Phone call: printer jammed", "description": "Called at 9:05.",
            "service": service.pk, "impact": "2", "urgency": "2", "channel": "phone"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", END_USERS)
def test_end_users_cannot_log_for_someone_else(ui_world, role, service_email):
    client = ui_world.client(role)
    assert client.get(NEW).status_code == 403
    caller = ui_world.users["requester_b"]
    assert client.post(NEW, create_data(caller, service_email)).status_code == 403
    assert not Incident.objects.filter(title="Phone call: printer jammed").exists()


def test_the_queue_and_the_workspace_link_to_the_page(ui_world):
    client = ui_world.client("agent_a")
    assert f'href="{NEW}"' in client.get(reverse("agent-incidents")).content.decode()
    assert f'href="{NEW}"' in client.get(reverse("agent-home")).content.decode()


def test_the_page_searches_people_on_demand_and_never_lists_everyone(ui_world):
    html = ui_world.client("agent_a").get(NEW).content.decode()
    assert 'hx-get="/people/search/?name=requester"' in html and 'hx-target="#caller-people"' in html
    assert 'name="requester"' not in html.replace('type="hidden" name="requester"', "")  # no inline list of users
    form = html[html.index('data-testid="create-form"'):]
    first_button = re.search(r'<button type="submit"[^>]*>([^<]*)</button>', form)
    assert first_button.group(1) == "Create incident"  # Enter in a field (no JavaScript) creates, not "Find"


def test_an_agent_logs_an_incident_for_a_caller_and_lands_on_it(ui_world, service_email):
    caller = ui_world.users["requester_b"]  # another organization than the agent's teams: any active user
    client = ui_world.client("agent_a")
    response = client.post(NEW, {**create_data(caller, service_email), "attachments": [upload("photo.txt")]})
    incident = Incident.objects.get(title="Phone call: printer jammed")
    assert response.status_code == 302 and response["Location"] == reverse("agent-incident", args=[incident.number])
    assert incident.requester == caller and incident.organization_id == caller.organization_id
    assert incident.channel == "phone" and incident.impact == 2 and incident.urgency == 2
    assert incident.team.name == "Service Desk"  # routed like the API's create
    assert incident.attachments.get().filename == "photo.txt"
    entry = JournalEntry.objects.filter(ticket_id=incident.pk, field="state").get()
    assert entry.actor == ui_world.users["agent_a"]
    page = client.get(response["Location"]).content.decode()
    assert f"{incident.number} was created for {caller.display_name}" in page


def test_the_caller_sees_the_ticket_in_the_portal(ui_world, service_email):
    caller = ui_world.users["requester_a"]
    ui_world.client("agent_a").post(NEW, create_data(caller, service_email, channel="email"))
    incident = Incident.objects.get(title="Phone call: printer jammed")
    assert incident.channel == "email"
    assert incident.number in ui_world.client("requester_a").get(reverse("portal-incidents")).content.decode()


def test_without_a_caller_the_form_says_how_to_choose_one_and_keeps_the_input(ui_world, service_email):
    client = ui_world.client("agent_a")
    response = client.post(NEW, create_data(ui_world.users["requester_a"], service_email, requester="", q=""))
    html = response.content.decode()
    assert response.status_code == 400 and "Search for the caller by name" in html
    assert "Phone call: printer jammed" in html
    response = client.post(NEW, create_data(ui_world.users["requester_a"], service_email, requester="",
                                            q="requester"))
    html = response.content.decode()
    assert "Choose the caller among the people found." in html
    assert f'value="{ui_world.users["requester_a"].pk}"' in html  # the people found are offered
    assert not Incident.objects.filter(title="Phone call: printer jammed").exists()


def test_find_without_javascript_lists_the_people_found_without_judging_the_form(ui_world, service_email):
    caller = ui_world.users["requester_b"]
    response = ui_world.client("agent_a").post(NEW, {"q": "requester_b", "find_caller": "1", "title": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "This field is required" not in html
    assert re.search(rf'type="radio" name="requester" value="{caller.pk}"', html)
    assert not Incident.objects.filter(requester=caller).exclude(pk=ui_world.incidents["inc_b"].pk).exists()


def test_the_chosen_caller_stays_chosen_after_an_error(ui_world, service_email):
    caller = ui_world.users["requester_b"]
    html = ui_world.client("agent_a").post(NEW, create_data(caller, service_email, title="")).content.decode()
    assert re.search(rf'type="radio" name="requester" value="{caller.pk}"[^>]*checked', html)


def test_an_unknown_or_inactive_caller_is_refused(ui_world, service_email):
    caller = ui_world.users["requester_a"]
    caller.is_active = False
    caller.save()
    client = ui_world.client("agent_a")
    for requester in (caller.pk, 999999, "x"):
        response = client.post(NEW, create_data(caller, service_email, requester=requester))
        assert response.status_code == 400
    assert not Incident.objects.filter(title="Phone call: printer jammed").exists()


def test_an_assignee_outside_the_team_is_a_field_error(ui_world, service_email, team_network):
    client = ui_world.client("manager")
    response = client.post(NEW, create_data(ui_world.users["requester_a"], service_email, team=team_network.pk,
                                            assignee=ui_world.users["agent_a"].pk))
    assert response.status_code == 400
    assert "is not a member of Network" in response.content.decode()
