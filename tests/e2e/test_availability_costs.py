"""Browser journeys of availability and of the cost of each contact: the manager opens the availability page from
the dashboards, sees e-mail's last month (its outage partly inside the patch change's window), opens the service,
adjusts the outage; an agent logs time with a work note in the composer and sees it on the activity and in the
ticket's total; the manager reads the cost of each contact."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from incidents.models import Incident
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_manager_reads_availability_and_adjusts_an_outage(page, demo):
    sign_in(page, "manager")
    page.goto("/manager/")
    page.get_by_test_id("availability-link").click()
    expect(page.get_by_role("heading", name="Availability of service")).to_be_visible()
    email = page.get_by_test_id("availability-row").filter(has_text="E-mail")
    expect(email).to_contain_text("99.9%")  # the target
    screenshot(page, "availability-overview")
    email.get_by_role("link", name="E-mail").click()
    expect(page.get_by_role("heading", name="E-mail: availability")).to_be_visible()
    months = page.get_by_test_id("months-table")
    last = months.locator("tbody tr").nth(1)
    expect(last).to_contain_text("1 h")  # 2 h down, 1 h of it inside the closed patch change's window
    outage = page.get_by_test_id("outage-row").filter(has_text="Recorded by hand")
    expect(outage).to_contain_text("2 h")
    screenshot(page, "availability-service")
    outage.get_by_role("link", name="Adjust").click()
    page.get_by_label("Severity").select_option("partial")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("outage-journal")).to_contain_text("severity from Full outage to Partial (degraded)")
    assert not page.console_errors


def test_an_agent_logs_time_in_the_composer_and_the_manager_reads_the_cost(page, demo):
    agent = User.objects.get(username="agent1")
    incident = Incident.objects.visible_to(agent).filter(active=True).order_by("-id").first()
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    page.get_by_label("Comment or work note").fill("Rebuilt the mail profile with the user.")
    page.get_by_label("Time spent (minutes)").fill("45")
    page.get_by_test_id("comment-submit").click()
    entry = page.get_by_test_id("work-note").filter(has_text="Rebuilt the mail profile")
    expect(entry.get_by_test_id("entry-time-spent")).to_have_text("45 min")
    expect(page.get_by_test_id("time-spent-total")).to_contain_text("Time spent:")
    expect(page.get_by_label("Time spent (minutes)")).to_have_value("")  # the composer is empty again
    screenshot(page, "time-spent-composer")
    page.get_by_label("Time spent (minutes)").fill("2000")
    page.get_by_label("Comment or work note").fill("Too long.")
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("comment-form")).to_contain_text("1440")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()  # the refusal above is the only error
    page.context.clear_cookies()
    sign_in(page, "manager")
    page.goto("/manager/costs/")
    expect(page.get_by_test_id("cost-month").first).to_contain_text(re.compile(r"\d+\.\d\d EUR"))
    screenshot(page, "costs-page")
    assert not page.console_errors
