"""The people picker on the agent's ticket page: an agent types part of a name, the search (core.people,
/people/search/) lists the people found, the agent picks one and the watcher shows. Picking an end user of
another organization than the requester's asks for a confirmation before anyone is added."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from core.models import Watcher
from incidents.models import Incident
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident(settings, tmp_path) -> Incident:
    """An open incident of Acme's (user1), which agent1 works on and nobody watches yet."""
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    incident = (Incident.objects.visible_to(User.objects.get(username="agent1"))
                .filter(active=True, requester__username="user1").order_by("id").first())
    Watcher.objects.filter(ticket_id=incident.pk).delete()
    return incident


def pick(page, words: str, name: str) -> None:
    """Type `words` in the watcher box and choose `name` among the people the search found."""
    panel = page.locator("#watchers-panel")
    panel.get_by_label("Add a watcher").press_sequentially(words, delay=40)
    options = panel.get_by_test_id("people-options")
    expect(options.get_by_label(name)).to_be_visible()
    options.get_by_label(name).check()


def test_an_agent_adds_a_watcher_by_name_and_confirms_one_of_another_organization(page, incident):
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    panel = page.locator("#watchers-panel")
    expect(panel.get_by_text("Nobody watches this incident.")).to_be_visible()

    # a colleague of the desk: found by part of her name, picked, added at once
    pick(page, "Noor", "Noor Network")
    panel.get_by_role("button", name="Add watcher").click()
    watchers = page.get_by_test_id("watchers")
    expect(watchers).to_contain_text("Noor Network")
    expect(page.locator("#ticket-status")).to_contain_text("Noor Network now watches")
    assert Watcher.objects.filter(ticket_id=incident.pk, user__username="agent2").exists()

    # an end user of Globex on Acme's ticket: the list says so, and adding asks first
    pick(page, "Gus", "Gus Globex")
    expect(panel.get_by_test_id("people-options")).to_contain_text("not the requester's organization")
    panel.get_by_role("button", name="Add watcher").click()
    expect(panel).to_contain_text("belongs to Globex, not to Acme")
    confirm = panel.get_by_label("Yes, let this person of another organization read this ticket")
    expect(confirm).to_be_visible()
    expect(watchers).not_to_contain_text("Gus Globex")
    assert not Watcher.objects.filter(ticket_id=incident.pk, user__username="user2").exists()
    screenshot(page, "watcher-picker-confirmation")

    confirm.check()
    panel.get_by_role("button", name="Add watcher").click()
    expect(page.get_by_test_id("watchers")).to_contain_text("Gus Globex")
    expect(page.get_by_test_id("watchers")).to_contain_text("Noor Network")
    assert Watcher.objects.filter(ticket_id=incident.pk, user__username="user2").exists()
    # the activity says who added whom
    expect(page.get_by_test_id("activity")).to_contain_text("added watcher Gus Globex")
    screenshot(page, "watcher-picker-added")
    unexpected = [e for e in page.console_errors if "status of 400 (Bad Request)" not in e]  # the asked confirmation
    assert unexpected == [], unexpected  # no CSP violations, no script errors
