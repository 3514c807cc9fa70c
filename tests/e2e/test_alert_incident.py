"""The issue's journey: an agent opens an incident raised by a monitoring alert, sees the alert, the services at
risk in the impact panel and what changed on the CI this week, and resolves it; the alert's `resolved` then leaves
the incident alone (it was worked by a person)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_an_agent_resolves_an_alert_incident_and_the_resolved_alert_leaves_it_alone(page, demo):
    from accounts.models import User
    from cmdb import services as cmdb
    from cmdb.models import ConfigurationItem
    from events.models import Alert
    from incidents.models import Incident
    from tests.events.support import fire, resolve

    vm = ConfigurationItem.objects.get(name="vm-payroll-01")
    cmdb.update_ci(vm, User.objects.get(username="agent2"), {"location": "Paris DC, rack 7"})  # moved yesterday
    alert = {"source": "alertmanager", "node": "vm-payroll-01:9100", "fingerprint": "am:payroll-disk",
             "check_name": "DiskFull", "severity": "critical", "summary": "Disk /var above 95%",
             "labels": {"instance": "vm-payroll-01:9100", "alertname": "DiskFull"}}
    event = fire(**alert)
    incident = Incident.objects.get(pk=event.incident_id)

    sign_in(page, "agent1")  # the Service Desk supports the VM
    page.goto(f"/agent/incidents/{incident.number}/")
    expect(page.get_by_test_id("alert-panel")).to_contain_text("DiskFull")
    expect(page.get_by_test_id("ticket-ci")).to_contain_text("vm-payroll-01")
    expect(page.get_by_test_id("ticket-impact")).to_contain_text("Payroll")
    expect(page.get_by_test_id("ci-recent-changes")).to_contain_text("Paris DC, rack 7")
    screenshot(page, "alert-incident")
    page.locator("summary", has_text="Resolve").click()
    form = page.get_by_test_id("action-resolved")
    form.get_by_label("Resolution code").select_option("workaround")
    form.get_by_label("Resolution notes").fill("Rotated the logs filling /var.")
    form.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("state").first).to_contain_text("Resolved")
    assert page.console_errors == []

    before = Incident.objects.get(pk=incident.pk)
    resolve(**alert)  # monitoring now says it is over
    after = Incident.objects.get(pk=incident.pk)
    assert (after.state, after.resolution_notes, after.resolved_at) == (
        "resolved", "Rotated the logs filling /var.", before.resolved_at)  # the person's resolution stands
    assert Alert.objects.get(fingerprint="am:payroll-disk").status == "resolved"
