"""Ordering from the catalog in the browser: the monitor size appears only for a desktop, without a reload, and
the order is followed under My requests."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog.models import RequestedItem
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_an_end_user_orders_a_desktop_and_follows_the_request(page, demo):
    sign_in(page, "user1")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Order something").click()
    page.get_by_test_id("catalog-category").filter(has_text="Hardware").click()
    page.get_by_test_id("catalog-item").filter(has_text="New computer").click()
    page.wait_for_function("() => document.readyState === 'complete'")
    form = page.get_by_test_id("order-form")
    monitor = form.get_by_label("Monitor size")
    expect(monitor).to_be_hidden()
    form.get_by_label("Laptop or desktop").select_option("Desktop")
    expect(monitor).to_be_visible()
    form.get_by_label("Laptop or desktop").select_option("Laptop")
    expect(monitor).to_be_hidden()
    form.get_by_label("Laptop or desktop").select_option("Desktop")
    form.get_by_label("Model").select_option('Performance 16"')
    form.get_by_test_id("order").click()  # no monitor size yet: refused, nothing lost
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(form.get_by_label("Model")).to_have_value('Performance 16"')
    expect(form.get_by_label("Monitor size")).to_be_visible()
    form.get_by_label("Monitor size").select_option('27"')
    screenshot(page, "catalog-order-form")
    form.get_by_test_id("order").click()
    expect(page.locator(".alert-success")).to_contain_text("Ordered: your request is REQ")
    expect(page.get_by_test_id("requested-item")).to_contain_text("Monitor size: 27\"")
    screenshot(page, "catalog-request")
    assert RequestedItem.objects.get().answers["monitor_size"] == '27"'
    page.get_by_role("link", name="My requests").first.click()
    expect(page.get_by_test_id("request-row")).to_contain_text("New computer")


def test_a_laptop_is_approved_by_the_managers_mail_link_and_two_teams_deliver_it(page, demo):
    """The issue's journey: an end user orders a desktop (its monitor field appears when needed), their manager
    approves it by the link of their e-mail, the preparation then two parallel tasks of two teams are done, and the
    requester sees the request delivered."""
    from catalog.models import CatalogTask, Request
    from core.approval_links import path_for
    from core.models import ApprovalVote

    sign_in(page, "user1")
    page.goto("/portal/catalog/new-computer/")
    page.wait_for_function("() => document.readyState === 'complete'")
    form = page.get_by_test_id("order-form")
    form.get_by_label("Laptop or desktop").select_option("Desktop")
    form.get_by_label("Model").select_option('Standard 14"')
    form.get_by_label("Monitor size").select_option('24"')
    form.get_by_test_id("order").click()
    expect(page.get_by_test_id("item-state")).to_have_text("Waiting for approval")
    order = Request.objects.order_by("-pk").first()
    item = order.items.get()

    page.context.clear_cookies()  # the manager, from the link of their mail: no sign-in
    vote = ApprovalVote.objects.get(approval__ticket_id=item.pk, approver__username="manager")
    page.goto(path_for(vote))
    expect(page.get_by_test_id("link-description")).to_contain_text('Monitor size: 24"')
    page.get_by_label("Comment").fill("Welcome aboard.")
    page.get_by_test_id("link-approve").click()
    expect(page.locator(".alert-success")).to_contain_text(f"you approved {item.number}")
    screenshot(page, "catalog-approved-by-link")

    for stage, people in ((1, ["agent1"]), (2, ["agent1", "agent2"])):
        tasks = CatalogTask.objects.filter(requested_item=item, stage=stage).order_by("pk")
        assert len(tasks) == len(people)  # stage 2: two tasks in parallel, for two teams
        for task, username in zip(tasks, people, strict=True):
            page.context.clear_cookies()
            sign_in(page, username)
            page.goto(f"/agent/tasks/{task.number}/")
            header = page.get_by_test_id("ticket-header")
            header.get_by_role("button", name="Done", exact=True).click()
            expect(header.get_by_test_id("state")).to_have_text("Done")
    assert {task.team.slug for task in CatalogTask.objects.filter(requested_item=item, stage=2)} == {
        "service-desk", "network"}

    page.context.clear_cookies()
    sign_in(page, "user1")
    page.goto(f"/portal/requests/{order.number}/")
    expect(page.get_by_test_id("item-state")).to_have_text("Delivered")
    expect(page.locator("h1")).to_have_text("New computer")
    order.refresh_from_db()
    assert order.state == "closed"
    screenshot(page, "catalog-request-delivered")
