"""Capacity in the browser: a manager opens the capacity report from the dashboards, sees the file server's storage
first (full in about 40 days), opens its chart (samples, forecast line, capacity drawn), and reads the desk's
load."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_capacity_report_and_a_metric_chart(page, demo):
    sign_in(page, "manager")
    page.get_by_test_id("capacity-report-link").click()
    rows = page.get_by_test_id("capacity-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Storage")
    expect(rows.first).to_contain_text("fs-01")
    expect(rows.first).to_contain_text(re.compile(r"in (39|40|41) days"))  # the demo's storage: full in ~40 days
    expect(rows.nth(1)).to_contain_text("Licences")
    expect(rows.nth(1)).to_contain_text("Critical")
    screenshot(page, "capacity-report")

    rows.first.get_by_role("link", name="Storage").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Storage")
    page.wait_for_function("(document.getElementById('capacity-chart') || {}).chart")
    labels = page.evaluate("document.getElementById('capacity-chart').chart.data.datasets.map(d => d.label)")
    assert labels == ["Measured", "Forecast", "Capacity", "Critical", "Warning"]
    points = page.evaluate("document.getElementById('capacity-chart').chart.data.datasets[0].data.length")
    assert points >= 89
    screenshot(page, "capacity-metric")
    assert not page.console_errors

    page.get_by_role("link", name="fs-01").first.click()
    panel = page.get_by_test_id("ci-capacity")
    expect(panel).to_contain_text("Storage")
    panel.scroll_into_view_if_needed()
    screenshot(page, "capacity-ci-panel")
    panel.get_by_test_id("ci-capacity-new").click()
    expect(page.get_by_label("Configuration item")).to_have_value("fs-01")
    page.locator("#id_name").fill("Inodes")
    page.locator("#id_capacity").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("metric-form")).to_contain_text("Give a capacity above zero.")
    page.locator("#id_capacity").fill("1000000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inodes")
    expect(page.get_by_test_id("no-samples")).to_be_visible()

    page.goto("/manager/capacity/desk/")
    expect(page.get_by_test_id("desk-team").first).to_be_visible()
    screenshot(page, "capacity-desk")
