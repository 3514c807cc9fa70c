"""A change's life in the browser: an agent raises a normal change, plans it, answers the risk questionnaire
(high) and asks for authorisation; both CAB members approve it from My approvals, then the change manager has the
final say on its page; the agent schedules it (warned of the demo's other change on the same service in that
window), implements it, records the outcome and closes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from changes.models import Change
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_a_normal_change_from_its_raising_to_its_closing(page, demo):
    saturday = Change.objects.get(title="Monthly security updates of the mail servers")  # scheduled, same service
    sign_in(page, "agent1")
    page.goto("/agent/changes/")
    page.get_by_test_id("new-change").click()
    form = page.get_by_test_id("create-form")
    form.get_by_label("Title").fill("Upgrade the mail relay to the 2027 release")
    form.get_by_label("Service").select_option(label="E-mail")
    form.get_by_label("Implementation plan").fill("Snapshot, run the installer, reboot.")
    form.get_by_label("Backout plan").fill("Revert to the snapshot.")
    form.get_by_label("Test plan").fill("Send a test message to each site.")
    start = timezone.localtime(saturday.planned_start) + timedelta(hours=1)  # inside the updates' window
    form.get_by_label("Planned start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Planned end").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("create-change").click()
    change = Change.objects.get(title="Upgrade the mail relay to the 2027 release")
    expect(page.get_by_role("heading", level=1)).to_have_text(change.title)

    header = page.get_by_test_id("ticket-header")
    state = header.get_by_test_id("state")
    header.get_by_role("button", name="Assess").click()
    expect(state).to_have_text("In assessment")
    fields = page.get_by_test_id("fields-form")
    fields.get_by_label("Change manager").select_option(label="Maya Manager")
    fields.get_by_role("button", name="Save").click()
    expect(page.locator("#activity")).to_contain_text("changed the change manager to “Maya Manager”")
    # the risk questionnaire: everybody affected, done once or twice, an hour to back out: 7 of 13, high
    questionnaire = page.get_by_test_id("risk-form")
    for answer in ("Everybody", "Once or twice", "In about an hour"):
        questionnaire.get_by_label(answer, exact=True).check()
    questionnaire.get_by_role("group", name="Does it touch a service in business hours?").get_by_label(
        "No").check()
    questionnaire.get_by_test_id("assess-risk").click()
    expect(page.get_by_test_id("risk")).to_have_text("High")
    header = page.get_by_test_id("ticket-header")
    header.get_by_role("button", name="Request authorisation").click()
    expect(header.get_by_test_id("state")).to_have_text("Awaiting authorisation")
    panel = page.get_by_test_id("authorization-panel")
    expect(panel).to_contain_text("Waiting for Change Advisory Board, then for the final say of Maya Manager")
    expect(panel).to_contain_text("Decides by all 2 approvers")  # high risk: the whole CAB
    screenshot(page, "change-awaiting-cab")

    for member, outcome in (("agent2", ""), ("manager", " Change Advisory Board approved it.")):
        page.context.clear_cookies()  # a CAB member, at another desk
        sign_in(page, member)
        page.goto("/agent/")
        page.get_by_test_id("my-approvals").click()
        row = page.get_by_test_id("approval-row").filter(has_text=change.number)
        row.get_by_label("Comment").fill("Fine outside office hours.")
        row.get_by_test_id("approve").click()
        expect(page.locator(".alert-success")).to_have_text(f"You approved {change.number}.{outcome}")
    screenshot(page, "my-approvals-done")

    # the manager is also its change manager: the final say
    page.get_by_test_id("final-say").get_by_role("link", name=change.number).click()
    expect(page.get_by_test_id("approval-state")).to_have_text("Approved")
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("Comment").fill("Fine outside office hours.")
    decision.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_contain_text("is authorised")

    page.context.clear_cookies()
    sign_in(page, "agent1")
    page.goto(f"/agent/changes/{change.number}/")
    header = page.get_by_test_id("ticket-header")
    state = header.get_by_test_id("state")
    header.get_by_role("button", name="Schedule").click()
    expect(state).to_have_text("Scheduled")
    expect(page.locator(".alert-success, [role=status]").first).to_contain_text("Scheduled despite a conflict")
    expect(page.get_by_test_id("conflicts-panel")).to_contain_text(saturday.number)
    header.get_by_role("button", name="Start implementation").click()
    expect(state).to_have_text("In implementation")
    header.locator("summary", has_text="Implementation done").click()
    review = page.get_by_test_id("action-review")
    review.get_by_label("Outcome").select_option(label="Successful")
    review.get_by_role("button", name="Implementation done").click()
    expect(state).to_have_text("In review")
    header.locator("summary", has_text="Close").click()
    closing = page.get_by_test_id("action-closed")
    closing.get_by_label("Close notes").fill("Upgraded; every floor printed its test page.")
    closing.get_by_role("button", name="Close", exact=True).click()
    expect(state).to_have_text("Closed")
    screenshot(page, "change-closed")
    change.refresh_from_db()
    assert (change.state, change.outcome, change.authorized_by.username) == ("closed", "successful", "manager")
