"""An incident's whole life in the browser: reported with a file, taken, worked, resolved, reopened, confirmed.

Two people, each in their own browser context: the requester Uma (user1, Acme) on the portal and the agent Alex
(agent1, team Service Desk) in the workspace. Screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Laptop fan is very loud"
WORK_NOTE = "Fan curve in the BIOS is fine; the bearing is worn."
COMMENT = "We will replace the fan tomorrow morning at your desk."
PHONE = {"width": 390, "height": 844}



@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport=None): a fresh browser context (another person), collecting console errors."""
    contexts = []

    def make(viewport: dict | None = None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(f"{msg.text} at {msg.location}") if msg.type == "error" else None)
        page.console_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def state_of(page):
    return page.get_by_test_id("state").first


def test_incident_journey(page, open_page, demo):
    requester = page
    sign_in(requester, "user1")

    # --- The requester reports an issue with a file ------------------------------------------------------
    requester.get_by_role("link", name="Report an issue").first.click()
    expect(requester.get_by_role("heading", name="Report an issue")).to_be_visible()
    requester.get_by_label("What is the problem, in a few words?").fill(TITLE)
    requester.get_by_label("Tell us more").fill("It sounds like a jet engine when I open Teams.")
    requester.get_by_label("It slows me down a lot").check()
    requester.get_by_label("Which service is affected?").select_option(label="Laptops and desktops")
    requester.get_by_label("What kind of problem is it?").select_option(label="Hardware")
    requester.get_by_label("Screenshots or files").set_input_files(
        files=[{"name": "fan-noise.txt", "mimeType": "text/plain", "buffer": b"whirrrrr"}]
    )
    screenshot(requester, "journey-01-report-form")
    requester.get_by_role("button", name="Send to the service desk").click()
    incident = Incident.objects.get(title=TITLE)
    expect(requester.get_by_text(f"your issue is recorded as {incident.number}")).to_be_visible()
    expect(requester.get_by_test_id("title")).to_have_text(TITLE)
    expect(requester.get_by_test_id("attachments")).to_contain_text("fan-noise.txt")
    expect(requester.get_by_test_id("working-on-it")).to_have_text("The Service Desk team")
    screenshot(requester, "journey-02-reported")

    requester.get_by_role("link", name="My tickets").first.click()
    row = requester.get_by_test_id("ticket-row").filter(has_text=incident.number)
    expect(row).to_contain_text(TITLE)
    expect(row.get_by_test_id("mine")).to_have_text("Yours")
    screenshot(requester, "journey-03-my-tickets")

    # --- The agent takes it from the team queue, adds a work note and a comment, resolves it ----------------
    agent = open_page()
    sign_in(agent, "agent1")
    agent.get_by_role("link", name=re.compile("My teams - unassigned")).click()
    agent_row = agent.get_by_test_id("queue-row").filter(has_text=incident.number)
    expect(agent_row).to_contain_text(TITLE)
    screenshot(agent, "journey-04-team-queue")
    agent_row.get_by_role("link", name=incident.number).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(TITLE)
    take = agent.get_by_role("button", name="Take it")
    # the page's scripts first: before them the button posts the whole page (the message then comes after a
    # redirect, in the page's messages), which a slow machine showed
    agent.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    take.focus()
    agent.keyboard.press("Enter")  # keyboard users can act too
    expect(agent.get_by_test_id("assignment")).to_contain_text("Assigned to Alex Agent")
    expect(state_of(agent)).to_have_text("In progress")
    expect(agent.get_by_test_id("status-message")).to_contain_text(f"You took {incident.number}.")

    agent.get_by_label("Comment or work note").fill(WORK_NOTE)
    agent.get_by_label("Work note (internal: the desk only)").check()
    agent.get_by_role("button", name="Add internal note").click()
    expect(agent.get_by_test_id("work-note").filter(has_text=WORK_NOTE)).to_contain_text("Internal")
    expect(agent.get_by_label("Comment or work note")).to_have_value("")  # the form is fresh again

    agent.get_by_label("Comment or work note").fill(COMMENT)
    agent.get_by_label("Comment (the requester sees it)").check()
    agent.get_by_role("button", name="Send to customer").click()
    expect(agent.get_by_test_id("comment").filter(has_text=COMMENT)).to_be_visible()
    screenshot(agent, "journey-05-agent-activity")

    resolve(agent, "The fan was replaced.")
    expect(state_of(agent)).to_have_text("Resolved")
    expect(agent.get_by_test_id("resolution")).to_contain_text("The fan was replaced.")
    screenshot(agent, "journey-06-agent-resolved")

    # --- The requester sees the comment (never the work note) and reopens --------------------------------
    requester.goto(f"/portal/incidents/{incident.number}/")
    expect(state_of(requester)).to_have_text("Resolved: please confirm")
    expect(requester.get_by_test_id("conversation")).to_contain_text(COMMENT)
    expect(requester.get_by_text(WORK_NOTE)).to_have_count(0)
    expect(requester.get_by_test_id("resolution-notes")).to_contain_text("The fan was replaced.")
    screenshot(requester, "journey-07-requester-resolved")
    requester.get_by_text("Not solved?").click()
    requester.get_by_label("What is still wrong? (optional)").fill("Still loud when charging.")
    requester.get_by_role("button", name="No, reopen it").click()
    expect(requester.get_by_text("is open again")).to_be_visible()
    expect(state_of(requester)).to_have_text("In progress")
    expect(requester.get_by_test_id("conversation")).to_contain_text("Still loud when charging.")

    # --- The agent resolves again; the requester confirms and it closes ----------------------------------
    agent.reload()
    expect(agent.get_by_test_id("activity")).to_contain_text("Still loud when charging.")
    resolve(agent, "Replaced the charger as well.")
    expect(state_of(agent)).to_have_text("Resolved")

    requester.reload()
    requester.get_by_role("button", name="Yes, it is solved: close it").click()
    expect(requester.get_by_text("Thank you for confirming")).to_be_visible()
    expect(state_of(requester)).to_have_text("Closed")
    expect(requester.get_by_role("button", name="Send reply")).to_have_count(0)
    screenshot(requester, "journey-08-requester-closed")
    incident.refresh_from_db()
    assert incident.state == "closed"

    agent.reload()
    expect(state_of(agent)).to_have_text("Closed")
    expect(agent.get_by_test_id("quick-actions")).to_contain_text("no further action")

    assert requester.console_errors == [], requester.console_errors  # no CSP violations, no script errors
    assert agent.console_errors == [], agent.console_errors


def resolve(agent, notes: str) -> None:
    agent.get_by_text("Resolve…").click()
    agent.get_by_label("Resolution code").select_option("solved")
    agent.get_by_label("Resolution notes").fill(notes)
    agent.get_by_role("button", name="Resolve", exact=True).click()


def test_a_resolve_without_notes_shows_the_error_in_place(open_page, demo):
    agent = open_page()
    sign_in(agent, "agent1")
    incident = Incident.objects.filter(state="in_progress", team__slug="service-desk").first()
    agent.goto(f"/agent/incidents/{incident.number}/")
    agent.get_by_text("Resolve…").click()
    agent.get_by_label("Resolution notes").fill("half done")
    agent.get_by_role("button", name="Resolve", exact=True).click()
    expect(agent.get_by_test_id("quick-actions").get_by_text("Resolving needs a resolution code")).to_be_visible()
    expect(agent.get_by_test_id("status-message")).to_contain_text("was not changed")
    expect(agent.get_by_label("Resolution notes")).to_have_value("half done")
    expect(agent.get_by_label("Resolution code")).to_be_focused()  # the first invalid field
    expect(state_of(agent)).to_have_text("In progress")
    screenshot(agent, "journey-09-resolve-error")
    unexpected = [e for e in agent.console_errors if "status of 400 (Bad Request)" not in e]  # the refused post
    assert unexpected == [], unexpected


def test_pages_on_a_phone(open_page, demo):
    requester = open_page(PHONE)
    sign_in(requester, "user1")
    mine = Incident.objects.filter(requester__username="user1", state="resolved").first()
    for path, name in [("/portal/", "phone-portal-home"), ("/portal/incidents/new/", "phone-report"),
                       ("/portal/incidents/", "phone-my-tickets"), (f"/portal/incidents/{mine.number}/",
                                                                    "phone-portal-ticket")]:
        requester.goto(path)
        expect(requester.get_by_role("heading", level=1)).to_be_visible()
        screenshot(requester, name)
    agent = open_page(PHONE)
    sign_in(agent, "agent1")
    busy = Incident.objects.filter(assignee__username="agent1", state="in_progress").first()
    for path, name in [("/agent/", "phone-workspace"), ("/agent/incidents/", "phone-queue"),
                       (f"/agent/incidents/{busy.number}/", "phone-agent-ticket")]:
        agent.goto(path)
        expect(agent.get_by_role("heading", level=1)).to_be_visible()
        screenshot(agent, name)
    agent.get_by_text("Resolve…").click()
    expect(agent.get_by_label("Resolution notes")).to_be_in_viewport()
    screenshot(agent, "phone-agent-resolve-open")
    assert requester.console_errors == [] and agent.console_errors == []
