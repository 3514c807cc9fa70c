"""A problem's life in the browser: an agent raises it from an incident page, records the root cause and the
workaround (a known error), publishes the workaround to the requesters, and resolves it with its incidents."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from core.models import JournalEntry
from incidents.models import Incident
from problems.models import Problem
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident(settings) -> Incident:
    """An open incident of user1's, worked by agent1 and linked to no problem yet."""
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", verbosity=0)
    agent = User.objects.get(username="agent1")
    return (Incident.objects.visible_to(agent).filter(active=True, requester__username="user1")
            .exclude(links_out__kind="caused_by").order_by("id").first())


def test_an_agent_takes_a_problem_from_an_incident_to_its_resolution(page, incident):
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    panel = page.get_by_test_id("problems-panel")
    expect(panel).to_contain_text("Not linked to a problem.")
    panel.get_by_role("button", name="Raise a problem from this incident").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(incident.title)
    problem = Problem.objects.get(title=incident.title)
    expect(page.get_by_test_id("incidents-panel")).to_contain_text(incident.number)
    expect(page.get_by_test_id("similar-list")).to_be_visible()  # the similar open incidents arrive after the page
    page.keyboard.press("?")  # the shortcuts: listed on "?", then "a" assigns to me, "c" goes to the work note
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.get_by_test_id("ticket-header")).to_contain_text("Assessment")
    page.keyboard.press("c")
    expect(page.get_by_role("textbox", name="Work note")).to_be_focused()
    page.keyboard.press("Escape")

    form = page.get_by_test_id("fields-form")
    form.get_by_label("Root cause").fill("A stale cached credential after the password change.")
    form.get_by_label("Workaround").fill("Remove the entry in Credential Manager, then sign in again.")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("ticket-header").get_by_test_id("known-error")).to_be_visible()
    expect(page.get_by_test_id("similar-list")).to_be_visible()  # swapped after the save: loaded again

    publish = page.get_by_test_id("publish-panel")
    publish.get_by_label("As a comment the requesters read").check()
    publish.get_by_role("button", name="Publish to open incidents").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Workaround published to 1 incident: {incident.number}")
    assert JournalEntry.objects.filter(ticket_id=incident.pk, internal=False,
                                       body__contains="Credential Manager").exists()

    page.get_by_test_id("ticket-header").get_by_text("Resolve…").click()
    resolve = page.get_by_test_id("action-resolved")
    resolve.get_by_role("button", name="Resolve", exact=True).click()
    expect(resolve).to_contain_text("Resolving needs the permanent fix")
    page.get_by_test_id("action-resolved").get_by_label("Permanent fix").fill("Password sync agent updated.")
    page.get_by_test_id("action-resolved").get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_test_id("ticket-header")).to_contain_text("Resolved")
    screenshot(page, "problem-resolved")
    incident.refresh_from_db()
    assert (incident.state, incident.resolution_code) == ("resolved", "solved_by_problem")

    page.goto(f"/agent/incidents/{incident.number}/")
    expect(page.get_by_test_id("linked-problem")).to_contain_text(problem.number)
    screenshot(page, "incident-with-problem")


def test_j_and_k_walk_the_tickets_of_the_last_queue(page, incident):
    sign_in(page, "agent1")
    page.goto("/agent/incidents/?queue=open")
    links = page.locator("a[data-ticket-link]")
    first, second = links.nth(0).inner_text(), links.nth(1).inner_text()
    page.wait_for_function("() => document.readyState === 'complete'")  # the shortcuts' script is deferred
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(f"/agent/incidents/{first}/$"))
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(f"/agent/incidents/{second}/$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(f"/agent/incidents/{first}/$"))
    page.get_by_role("textbox", name="Comment or work note").press("j")  # typing is typing, not walking
    expect(page).to_have_url(re.compile(f"/agent/incidents/{first}/$"))


def test_the_assignee_list_follows_the_team_chosen_on_the_page(page, incident):
    """Changing the assignment group reloads the assignee options (htmx): only that group's agents."""
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    fields = page.get_by_test_id("fields-form")
    assignee = fields.get_by_label("Assigned to")
    expect(assignee.locator("option", has_text="Alex Agent")).to_have_count(1)
    expect(assignee.locator("option", has_text="Noor Network")).to_have_count(0)
    fields.get_by_label("Assignment group").select_option(label="Network")
    expect(assignee.locator("option", has_text="Noor Network")).to_have_count(1)
    expect(assignee.locator("option", has_text="Alex Agent")).to_have_count(0)
    assignee.select_option(label="Noor Network")
    fields.get_by_role("button", name="Save changes").click()
    # handed to a team agent1 is not in: back to the queue, told why (not a silent 404)
    expect(page).to_have_url(re.compile(r"/agent/incidents/$"))
    expect(page.locator(".alert-success")).to_contain_text(f"{incident.number} now belongs to a team you are not in")
    incident.refresh_from_db()
    assert incident.assignee.username == "agent2"


def test_the_known_errors_that_may_explain_an_incident_come_after_the_page_and_link_in_one_click(page, incident):
    from problems import services

    agent = User.objects.get(username="agent1")
    known = services.create_problem(agent, {
        "title": "Expired certificate on the proxy", "service": incident.service, "team": incident.team,
        "root_cause": "The proxy's certificate expired.", "workaround": "Use the backup proxy on port 8081."})
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    suggestions = page.get_by_test_id("suggested-known-errors")
    expect(suggestions).to_contain_text(known.number)
    expect(suggestions).to_contain_text("Use the backup proxy on port 8081.")
    link = suggestions.get_by_role("button", name=f"Link to {known.number}")
    expect(link).not_to_be_focused()  # loaded after the page: it does not take the focus
    screenshot(page, "incident-known-error-suggestions")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(known.title)
    expect(page.get_by_test_id("incidents-panel")).to_contain_text(incident.number)
