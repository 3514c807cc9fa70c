"""The agent's comment composer never stays on "public": after a public reply it is back on internal, the
button says who will read the post, and going back in history does not bring "public" back."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from core.models import JournalEntry
from incidents.models import Incident
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident(settings, tmp_path) -> Incident:
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    return Incident.objects.visible_to(User.objects.get(username="agent1")).filter(active=True).first()


def test_after_a_public_reply_the_composer_is_back_on_internal(page, incident):
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    composer = page.get_by_test_id("comment-form")
    button = page.get_by_test_id("comment-submit")
    internal = page.get_by_label("Work note (internal: the desk only)")
    public = page.get_by_label("Comment (the requester sees it)")
    expect(internal).to_be_checked()
    expect(button).to_have_text("Add internal note")

    page.get_by_label("Comment or work note").fill("Your laptop is ready for pick-up.")
    public.check()
    expect(button).to_have_text("Send to customer")
    expect(button).to_have_class("btn btn-warning")
    button.click()
    expect(page.get_by_test_id("comment").filter(has_text="ready for pick-up")).to_be_visible()

    # the composer was swapped by htmx: back on internal, and the button says so
    expect(internal).to_be_checked()
    expect(public).not_to_be_checked()
    expect(button).to_have_text("Add internal note")
    expect(button).to_have_class("btn btn-secondary")

    # the next note, posted without touching the choice, stays in the desk
    page.get_by_label("Comment or work note").fill("Customer sounded annoyed, be gentle.")
    button.click()
    expect(page.get_by_test_id("work-note").filter(has_text="be gentle")).to_be_visible()
    assert JournalEntry.objects.get(body="Customer sounded annoyed, be gentle.").internal

    # leaving with "public" chosen and coming back in history does not restore it
    public.check()
    page.goto("/agent/incidents/")
    page.go_back()
    expect(composer).to_be_visible()
    expect(internal).to_be_checked()
    expect(button).to_have_text("Add internal note")
    assert not page.console_errors
