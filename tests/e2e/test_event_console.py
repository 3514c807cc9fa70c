"""The event console in a browser: an agent opens it from the workspace, sees what monitoring reported with labels
and badges, follows an event to its incident, and a new event appears without reloading (htmx polling)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from cmdb.models import CIClass, ConfigurationItem
from core import clock
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in
from tests.events.support import fire, store

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def monitoring(settings, tmp_path):
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    team = User.objects.get(username="agent1").teams.first()
    server = CIClass.objects.create(name="Server (events)", slug="server-events")
    now = clock.now()
    ConfigurationItem.objects.create(name="db-1", ci_class=server, created_at=now, updated_at=now, support_team=team)
    fire(source="alertmanager", node="db-1:9100", fingerprint="am:db1cpu", check_name="HighCPU", severity="critical",
         summary="CPU above 95% for 5 minutes", labels={"instance": "db-1:9100"})
    fire(source="alertmanager", node="db-1:9100", fingerprint="am:db1cpu", check_name="HighCPU", severity="critical",
         summary="CPU above 95% for 5 minutes", labels={"instance": "db-1:9100"})
    fire(source="nagios", node="web-3", fingerprint="uptime-web-3", check_name="uptime", severity="info",
         summary="Up for 12 days")


def test_an_agent_follows_an_event_to_its_incident(page, monitoring):
    sign_in(page, "agent1")
    page.get_by_test_id("event-console-link").click()
    expect(page.get_by_role("heading", name="Event console")).to_be_visible()
    rows = page.get_by_test_id("event-row")
    expect(rows).to_have_count(7)  # ours, newest first, then the 4 demo events
    table = page.get_by_test_id("event-table")
    for i, (state, severity) in enumerate([("Recorded", "Information"), ("Duplicate", "Critical"),
                                           ("Incident raised", "Critical")]):
        expect(rows.nth(i).get_by_test_id("event-state")).to_have_text(state)
        expect(rows.nth(i).get_by_test_id("event-severity")).to_have_text(severity)
    screenshot(page, "event-console")
    assert page.console_errors == []

    store(source="zabbix", node="mail-2", fingerprint="mail-2-queue", check_name="mail_queue", severity="warning",
          summary="Mail queue above 500 messages")
    expect(table.get_by_text("Mail queue above 500 messages")).to_be_visible(timeout=15_000)  # polled, no reload
    expect(rows).to_have_count(8)
    expect(rows.first.get_by_test_id("event-state")).to_have_text("Waiting")

    page.get_by_test_id("event-incident").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HighCPU on db-1")
