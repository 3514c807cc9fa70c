"""A manager opens the KPI dashboard, drills into a month's mean time to resolve to the incidents behind it, opens
one, comes back and raises an improvement action from that figure; the action keeps the figure as "before"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from improvement.kpis.periods import label, last_months
from improvement.models import ImprovementAction
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_kpi_dashboard_journey(page, demo):
    last_month = last_months(2)[0]
    key = f"{last_month:%Y-%m}"
    sign_in(page, "manager")
    page.get_by_role("link", name="Dashboards").first.click()
    page.get_by_test_id("kpi-dashboard-link").click()
    expect(page.get_by_role("heading", level=1, name="KPI dashboard")).to_be_visible()
    card = page.get_by_test_id("kpi-ttr_mean")
    expect(card.get_by_test_id("target-ttr_mean")).to_contain_text("Target at most 24.0 h")
    expect(page.locator("canvas[data-kpi-chart='ttr_mean']")).to_be_visible()
    page.wait_for_function("document.querySelector(\"canvas[data-kpi-chart='ttr_mean']\").chart !== undefined")
    screenshot(page, "kpi-dashboard")
    assert not page.console_errors, page.console_errors

    figure = card.get_by_test_id(f"figure-ttr_mean-{key}")
    value = figure.inner_text()
    assert re.fullmatch(r"[\d,.]+ h", value)
    figure.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Mean time to resolve: {value}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(label(last_month))
    rows = page.get_by_test_id("drill-row")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 1
    screenshot(page, "kpi-drill")
    number = rows.first.get_by_role("link").first.inner_text()
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/{number}/"))
    page.go_back()
    expect(page.get_by_test_id("drill-row")).to_have_count(count)
    page.get_by_test_id("back-to-dashboard").click()
    expect(page.get_by_role("heading", level=1, name="KPI dashboard")).to_be_visible()

    page.get_by_test_id(f"raise-ttr_mean-{key}").click()
    expect(page.get_by_test_id("about-figure")).to_contain_text("Mean time to resolve")
    page.get_by_label("What will be done").fill("Runbook for the top three causes of slow resolutions")
    page.get_by_label("Description").fill("Write them with the network team; review in the weekly meeting.")
    page.get_by_label("Due").fill("2027-03-31")
    screenshot(page, "kpi-raise-action")
    page.get_by_role("button", name="Raise the action").click()
    expect(page.get_by_test_id("action-title")).to_have_text("Runbook for the top three causes of slow resolutions")
    expect(page.get_by_test_id("value-before")).to_have_text(value)
    screenshot(page, "kpi-action")
    action = ImprovementAction.objects.get(title__startswith="Runbook for the top three")
    assert action.kpi == "ttr_mean" and action.month == last_month
    page.get_by_role("link", name="Improvement register").first.click()
    expect(page.get_by_test_id("action-row")).to_have_count(2)  # the demo's and this one
    assert not page.console_errors, page.console_errors
