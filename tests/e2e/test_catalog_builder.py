"""The catalog builder in the browser: a manager opens the new computer, adds a field shown only for a laptop, and
the preview shows and hides it as the portal will."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_a_manager_adds_a_conditional_field_and_previews_it(page, demo):
    sign_in(page, "manager")
    page.goto("/manager/")
    page.get_by_test_id("catalog-builder-link").click()
    screenshot(page, "catalog-builder-home")
    page.get_by_test_id("builder-item").filter(has_text="New computer").click()
    form = page.get_by_test_id("field-form")
    form.get_by_label("Label").fill("Docking station")
    form.get_by_label("Type").select_option("Yes / no")
    form.get_by_label("Show only when").select_option("Laptop or desktop")
    form.get_by_label("has the value").fill("Laptop")
    form.get_by_test_id("save-field").click()
    expect(page.locator(".alert-success")).to_contain_text("Field “Docking station” saved.")
    expect(page.get_by_test_id("field-row").filter(has_text="Docking station")).to_contain_text(
        "Shown when Laptop or desktop is Laptop")
    screenshot(page, "catalog-builder-item")
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-note")).to_be_visible()
    preview = page.get_by_test_id("order-form")
    docking = preview.get_by_label("Docking station")
    expect(docking).to_be_hidden()
    preview.get_by_label("Laptop or desktop").select_option("Laptop")
    expect(docking).to_be_visible()
    expect(preview.get_by_test_id("order")).to_be_disabled()
    screenshot(page, "catalog-builder-preview")
    assert page.console_errors == []
