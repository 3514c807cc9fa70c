"""An agent sees an SLA timer on the ticket page stop counting on hold and resume afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core import clock
from incidents import services
from sla.models import Schedule, SlaDefinition, SlaTimer, Stage, Target
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_timer_pauses_on_hold_and_resumes(page, requester_a, agent_a, password, make_incident):
    always = Schedule.objects.create(name="24x7", slug="24x7", is_24x7=True)
    SlaDefinition.objects.create(
        name="Resolution 8h", target=Target.RESOLUTION, schedule=always, duration=timedelta(hours=8),
        pause_condition={"state": ["on_hold"], "hold_reason": ["awaiting_caller"]},
    )
    with clock.frozen(clock.now() - timedelta(hours=1)):
        incident = services.take(make_incident(requester_a, title="Printer on fire"), agent_a)
    sign_in(page, "agent_a", password)
    page.goto(f"/agent/incidents/{incident.number}/")
    timer = page.get_by_test_id("sla-timer")
    expect(timer).to_have_attribute("data-stage", "in_progress")
    expect(timer.get_by_test_id("sla-left")).to_contain_text("6 h 5")  # 7 h minus the minute or so

    page.get_by_text("Put on hold…").click()
    page.get_by_label("Reason").select_option("awaiting_caller")
    page.get_by_role("button", name="Put on hold", exact=True).click()
    expect(timer).to_have_attribute("data-stage", "paused")
    expect(timer).to_contain_text("clock stopped")
    left_on_hold = timer.get_by_test_id("sla-left").inner_text()
    screenshot(page, "sla-timer-paused")
    stored = SlaTimer.objects.get(ticket=incident)
    assert stored.stage == Stage.PAUSED

    page.reload()
    expect(timer).to_have_attribute("data-stage", "paused")
    assert timer.get_by_test_id("sla-left").inner_text() == left_on_hold  # not counting

    page.get_by_role("button", name="Resume work").click()
    expect(timer).to_have_attribute("data-stage", "in_progress")
    expect(timer).to_contain_text("due ")
    screenshot(page, "sla-timer-resumed")
    assert page.console_errors == [] or all("Failed to load resource" in e for e in page.console_errors)
