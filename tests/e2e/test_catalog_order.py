"""Ordering from the catalog in the browser: the monitor size appears only for a desktop, without a reload, and
the order is followed under My requests."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import RequestedItem
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings) -> None:
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", verbosity=0)


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
