"""Withdrawing a ticket from the portal asks for confirmation first, and takes an optional reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import JournalEntry
from incidents import services
from incidents.choices import State
from tests.incidents import views_support

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture


def withdraw_url(world, key="inc_a"):
    return reverse("portal-incident-withdraw", args=[world.number(key)])


def test_the_ticket_page_links_to_a_confirmation_instead_of_cancelling_in_one_click(ui_world):
    client = ui_world.client("requester_a")
    page = client.get(reverse("portal-incident", args=[ui_world.number("inc_a")])).content.decode()
    assert f'href="{withdraw_url(ui_world)}" data-testid="withdraw-link"' in page
    assert 'name="state" value="cancelled"' not in page
    confirm = client.get(withdraw_url(ui_world))
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "Withdraw this ticket?" in html and "Mailbox quota exceeded" in html
    assert "No, keep it open" in html and 'name="reason"' in html
    assert ui_world.refresh("inc_a").state == State.NEW  # looking at the question changes nothing


def test_confirming_withdraws_and_sends_the_reason_to_the_desk(ui_world):
    client = ui_world.client("requester_a")
    response = client.post(withdraw_url(ui_world), {"reason": "It works again after a restart."}, follow=True)
    assert ui_world.refresh("inc_a").state == State.CANCELLED
    assert "was withdrawn" in response.content.decode()
    entry = JournalEntry.objects.get(ticket_id=ui_world.incidents["inc_a"].pk, body="It works again after a restart.")
    assert not entry.internal and entry.actor == ui_world.users["requester_a"]


def test_the_reason_is_optional(ui_world):
    ui_world.client("requester_a").post(withdraw_url(ui_world), {})
    assert ui_world.refresh("inc_a").state == State.CANCELLED


def test_a_one_click_post_to_the_state_url_does_not_withdraw(ui_world):
    client = ui_world.client("requester_a")
    response = client.post(reverse("portal-incident-state", args=[ui_world.number("inc_a")]), {"state": "cancelled"})
    assert response.status_code == 302 and response["Location"] == withdraw_url(ui_world)
    assert ui_world.refresh("inc_a").state == State.NEW


@pytest.mark.parametrize("role", ["colleague_a", "agent_a"])
def test_only_the_requester_may_withdraw(ui_world, role):
    client = ui_world.client(role)
    assert client.post(withdraw_url(ui_world), {"reason": "no"}).status_code == 302
    assert ui_world.refresh("inc_a").state == State.NEW


def test_withdrawing_a_ticket_already_being_worked_is_refused_clearly(ui_world):
    services.take(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    client = ui_world.client("requester_a")
    response = client.get(withdraw_url(ui_world), follow=True)
    assert "cannot be withdrawn now" in response.content.decode()
    assert ui_world.refresh("inc_a").state == State.IN_PROGRESS


def test_an_invisible_ticket_is_404(ui_world):
    assert ui_world.client("requester_b").get(withdraw_url(ui_world)).status_code == 404
