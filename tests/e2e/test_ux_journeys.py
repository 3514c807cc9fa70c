"""What users stumbled on, walked through in Chromium: logging a call for a caller with the people picker, files
kept after a form error, withdrawing with a confirmation, a failed bulk action keeping the selection, and queue
tabs keeping the filters. Screenshots go to test-results/screenshots/ux-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from incidents.choices import State
from incidents.models import Incident
from tests.e2e import test_incident_journey as journey
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_page = journey.open_page  # the shared fixture (demo comes from conftest)
TITLE = "Caller says the payroll app shows an error"


def test_an_agent_logs_a_call_for_a_caller_with_a_kept_file(open_page, demo):
    page = open_page()
    sign_in(page, "agent1")
    page.get_by_test_id("new-incident").click()
    expect(page.get_by_role("heading", name="New incident")).to_be_visible()
    # htmx asks the people search as the agent types
    search = page.get_by_role("searchbox", name="Search for the caller")
    search.fill("glob")
    search.press("Enter")  # searches; never submits the form
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    caller = page.get_by_label(re.compile(r"Gus Globex"))
    expect(caller).to_be_visible()
    caller.check()
    page.get_by_label("Service").select_option(label="Payroll")
    page.get_by_label("Attachments").set_input_files(
        files=[{"name": "payroll-error.txt", "mimeType": "text/plain", "buffer": b"ERR 42"}]
    )
    screenshot(page, "ux-01-new-incident")
    page.get_by_test_id("create-submit").click()  # no title: the form comes back, the file and caller stay
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_test_id("kept-files")).to_contain_text("payroll-error.txt")
    expect(page.get_by_label(re.compile(r"Gus Globex"))).to_be_checked()
    screenshot(page, "ux-02-new-incident-error-kept-file")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_test_id("create-submit").click()
    incident = Incident.objects.get(title=TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(f"{incident.number} was created for Gus Globex.")).to_be_visible()
    assert incident.requester.username == "user2" and incident.channel == "phone"
    assert list(incident.attachments.values_list("filename", flat=True)) == ["payroll-error.txt"]
    screenshot(page, "ux-03-created")
    assert [e for e in page.console_errors if "status of 400" not in e] == []  # the form error page is a 400


def test_the_requester_withdraws_after_confirming(open_page, demo):
    page = open_page()
    sign_in(page, "user2")
    incident = Incident.objects.filter(requester__username="user2", state=State.NEW).order_by("id").first()
    page.goto(f"/portal/incidents/{incident.number}/")
    page.get_by_test_id("withdraw-link").click()
    expect(page.get_by_role("heading", name="Withdraw this ticket?")).to_be_visible()
    incident.refresh_from_db()
    assert incident.state == State.NEW  # nothing happened yet
    page.get_by_label("Why do you withdraw it? (optional)").fill("It works again after a restart.")
    screenshot(page, "ux-04-withdraw-confirmation")
    page.get_by_role("button", name=f"Yes, withdraw {incident.number}").click()
    expect(page.get_by_text(f"{incident.number} was withdrawn.")).to_be_visible()
    expect(page.get_by_test_id("conversation")).to_contain_text("It works again after a restart.")
    incident.refresh_from_db()
    assert incident.state == State.CANCELLED
    assert not page.console_errors


def test_a_failed_bulk_action_keeps_the_selection_and_the_tabs_keep_the_filters(open_page, demo):
    page = open_page()
    sign_in(page, "agent1")
    page.goto("/agent/incidents/?queue=open&q=e")
    rows = page.get_by_test_id("queue-row")
    expect(rows.first).to_be_visible()
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_role("checkbox").check()
    second.get_by_role("checkbox").check()
    page.get_by_label("New state").select_option(label="Resolved")
    page.get_by_role("button", name="Change state of selected").click()  # no resolution code: every row fails
    expect(page.get_by_text("was not changed").first).to_be_visible()
    expect(page.locator("tr.bulk-failed")).to_have_count(2)
    expect(page.locator("tr.bulk-failed input[name=numbers]:checked")).to_have_count(2)
    screenshot(page, "ux-05-bulk-failed-selection-kept")
    page.get_by_test_id("queue-tab").filter(has_text="Recently updated").click()
    expect(page).to_have_url(re.compile(r"queue=recent&q=e"))
    page.get_by_text("Filters").first.click()
    expect(page.get_by_label("Text or number")).to_have_value("e")
    assert not page.console_errors
