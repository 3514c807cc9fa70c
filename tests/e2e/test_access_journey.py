"""Access in the browser: an end user asks for the payroll application, its owner approves from My approvals, the
desk's grant task is done, and the access shows under My access and in the register; the end user gives up the
finance folder; the desk revokes from the register."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog.models import AccessGrant, GrantState
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_access_is_asked_approved_granted_and_given_up(page, demo):
    sign_in(page, "user1")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Order something").click()
    page.get_by_test_id("catalog-category").filter(has_text="Access").click()
    page.get_by_test_id("catalog-item").filter(has_text="Access to the payroll application").click()
    form = page.get_by_test_id("order-form")
    form.get_by_label("Access level").select_option("Payslips only")
    form.get_by_label("What you need it for").fill("Checking my payslips")
    screenshot(page, "access-order-form")
    form.get_by_test_id("order").click()
    expect(page.get_by_test_id("item-state")).to_have_text("Waiting for approval")

    page.context.clear_cookies()
    sign_in(page, "manager")  # Maya owns the payroll application
    grant = AccessGrant.objects.get(person__username="user1", system__name="Payroll application")
    page.goto("/agent/approvals/")
    row = page.locator(f'[data-testid="approval-row"][data-number="{grant.requested_item.number}"]')
    expect(row).to_contain_text("Asked of the owner of Payroll application")
    screenshot(page, "access-approval")
    row.get_by_test_id("approve").click()
    expect(page.locator(".alert-success")).to_be_visible()
    task = grant.requested_item.tasks.get()
    page.context.clear_cookies()
    sign_in(page, "agent1")
    page.goto(f"/agent/tasks/{task.number}/")
    expect(page.get_by_test_id("ticket-header")).to_contain_text("Grant Payslips only access to Payroll application")
    page.get_by_test_id("ticket-header").get_by_role("button", name="Done", exact=True).click()
    expect(page.get_by_test_id("ticket-header").get_by_test_id("state")).to_have_text("Done")
    page.goto("/agent/")
    page.get_by_test_id("access-register-link").click()
    register = page.get_by_test_id("access-register")
    expect(register.get_by_test_id("grant-row")).to_have_count(2)  # the payroll access and the demo's folder
    screenshot(page, "access-register")
    grant.refresh_from_db()
    assert grant.state == GrantState.ACTIVE

    page.context.clear_cookies()
    sign_in(page, "user1")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="My access").click()
    rows = page.get_by_test_id("access-row")
    expect(rows).to_have_count(2)
    screenshot(page, "portal-my-access")
    rows.filter(has_text="Finance shared folder").get_by_test_id("give-up").click()
    expect(page.locator(".alert-success")).to_contain_text("Your access to Finance shared folder is being revoked")
    page.get_by_role("link", name="My access").click()
    expect(page.get_by_test_id("access-row").filter(has_text="Finance shared folder")).to_contain_text(
        "Being revoked")
    assert page.console_errors == []
