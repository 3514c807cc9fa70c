"""The CMDB in the browser: an agent finds a host among the configuration items, reads what fails with it, and
names it on an incident, whose page then says which services are at risk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_an_agent_reads_a_hosts_impact_and_names_it_on_an_incident(page, demo):
    from accounts.models import User
    from catalog.models import Service
    from incidents import services

    incident = services.take(services.create_incident(User.objects.get(username="user1"), {
        "title": "Payroll does not open", "description": "Since 9:00.",
        "service": Service.objects.get(slug="payroll")}), User.objects.get(username="agent1"))
    sign_in(page, "agent1")
    page.get_by_test_id("cmdb-link").click()
    page.get_by_label("Name").fill("esx")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("ci-row")).to_have_count(2)
    page.get_by_role("link", name="esx-02").click()
    impact = page.get_by_test_id("ci-impact")
    expect(impact).to_contain_text("4 configuration items affected")
    expect(page.get_by_test_id("services-at-risk")).to_contain_text("Payroll")
    screenshot(page, "cmdb-ci-page")

    page.goto(f"/agent/incidents/{incident.number}/")
    panel = page.get_by_test_id("ci-panel")
    panel.get_by_label("Affects").fill("vm-payroll-01")
    panel.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("ticket-ci")).to_contain_text("vm-payroll-01")
    expect(page.get_by_test_id("ticket-impact")).to_contain_text("Payroll")
    page.get_by_test_id("ci-panel").scroll_into_view_if_needed()
    screenshot(page, "cmdb-incident-panel")
    assert page.console_errors == []
