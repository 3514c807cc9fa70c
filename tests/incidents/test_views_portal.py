"""The end users' portal: report an issue, my tickets, the public ticket page, replies, reopen and confirm."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.models import Attachment, JournalEntry
from incidents import services
from incidents.choices import State
from incidents.models import Incident
from tests.incidents import views_support
from tests.incidents.views_support import END_USERS, ROLES, VISIBLE, keys_for, numbers_in, upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture


def report_data(service, **overrides):
    data = {"title": "Printer on fire", "description": "Smoke everywhere.", "urgency": "1", "service": service.pk}
    data.update(overrides)
    return data


# --- Report an issue ------------------------------------------------------------------------------------


def test_report_page_offers_plain_words_and_active_services_only(ui_world, service_email, service_vpn):
    service_vpn.active = False
    service_vpn.save()
    html = ui_world.client("requester_a").get(reverse("portal-report")).content.decode()
    assert "I can&#x27;t work at all" in html and "It slows me down a lot" in html
    assert "E-mail" in html and "VPN" not in html
    assert "Impact" not in html and "Priority" not in html  # the desk's fields are not asked


def test_reporting_an_issue_with_files_creates_it_and_shows_it(ui_world, service_email):
    client = ui_world.client("requester_a")
    files = [upload("error.txt", b"boom"), upload("screen.png", b"\x89PNG....", "image/png")]
    response = client.post(reverse("portal-report"), {**report_data(service_email), "attachments": files})
    incident = Incident.objects.get(title="Printer on fire")
    assert response.status_code == 302 and response["Location"] == reverse("portal-incident", args=[incident.number])
    assert incident.requester == ui_world.users["requester_a"] and incident.urgency == 1
    assert incident.channel == "portal" and incident.team.name == "Service Desk"
    assert sorted(incident.attachments.values_list("filename", flat=True)) == ["error.txt", "screen.png"]
    page = client.get(response["Location"]).content.decode()
    assert f"your issue is recorded as {incident.number}" in page
    assert "error.txt" in page and "screen.png" in page
    assert incident.number in client.get(reverse("portal-incidents")).content.decode()


def test_a_report_with_errors_keeps_what_was_typed(ui_world, service_email):
    response = ui_world.client("requester_a").post(
        reverse("portal-report"), report_data(service_email, title="", description="My long story of woe")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required" in html and "My long story of woe" in html
    assert re.search(r'<input type="radio" name="urgency" value="1"[^>]*checked', html)  # the urgency chosen
    assert Incident.objects.filter(description="My long story of woe").count() == 0


def test_an_oversized_attachment_is_a_clear_form_error_and_nothing_is_created(ui_world, service_email, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = Incident.objects.count()
    response = ui_world.client("requester_a").post(
        reverse("portal-report"), {**report_data(service_email), "attachments": [upload("huge.log", b"x" * 4096)]}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "“huge.log” is 4 KB; attachments may be at most 1 KB each." in html  # never "0.0 MB"
    assert "choose a file that fits instead" in html and "Printer on fire" in html
    assert Incident.objects.count() == before and Attachment.objects.count() == 0


def test_a_retired_service_cannot_be_chosen(ui_world, service_vpn):
    service_vpn.active = False
    service_vpn.save()
    response = ui_world.client("requester_a").post(reverse("portal-report"), report_data(service_vpn))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


# --- My tickets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", END_USERS)
def test_my_tickets_lists_exactly_the_visible_set(ui_world, role):
    html = ui_world.client(role).get(reverse("portal-incidents")).content.decode()
    assert keys_for(ui_world, numbers_in(html)) == VISIBLE[role]


def test_my_tickets_marks_which_are_mine(ui_world):
    html = ui_world.client("requester_a").get(reverse("portal-incidents")).content.decode()
    rows = html.split('data-testid="ticket-row"')[1:]
    mine = {r for r in rows if 'data-testid="mine"' in r}
    assert len(rows) == 2 and len(mine) == 1
    assert ui_world.number("inc_a") in next(iter(mine))
    assert "raised by Test Colleague_A" in html


def test_without_organization_sharing_colleagues_tickets_disappear(ui_world, org_acme):
    org_acme.share_tickets = False
    org_acme.save()
    client = ui_world.client("requester_a")
    assert keys_for(ui_world, numbers_in(client.get(reverse("portal-incidents")).content.decode())) == {"inc_a"}
    assert client.get(reverse("portal-incident", args=[ui_world.number("inc_a2")])).status_code == 404


def test_staff_see_only_what_they_raised_or_watch_under_my_tickets(ui_world, make_incident):
    agent = ui_world.users["agent_a"]
    own = make_incident(agent, title="My own laptop")
    html = ui_world.client("agent_a").get(reverse("portal-incidents")).content.decode()
    assert numbers_in(html) == {own.number}


def test_my_tickets_are_paginated_newest_update_first(ui_world, make_incident, settings):
    requester = ui_world.users["requester_b"]
    made = [make_incident(requester, title=f"Issue {n}") for n in range(22)]
    services.add_comment(ui_world.incidents["inc_b"], requester, "bump")  # now the most recently updated
    client = ui_world.client("requester_b")
    first = client.get(reverse("portal-incidents")).content.decode()
    assert first.index(ui_world.number("inc_b")) < first.index(made[-1].number)
    assert len(numbers_in(first)) == 20 and "23 tickets" in first
    second = client.get(reverse("portal-incidents") + "?page=2").content.decode()
    assert len(numbers_in(second)) == 3 and not numbers_in(first) & numbers_in(second)
    assert client.get(reverse("portal-incidents") + "?page=abc").status_code == 200


def test_the_portal_home_shows_recent_tickets_and_the_way_to_report(ui_world):
    html = ui_world.client("requester_a").get(reverse("portal-home")).content.decode()
    assert reverse("portal-report") in html and "Report an issue" in html
    assert keys_for(ui_world, numbers_in(html)) == {"inc_a", "inc_a2"}


# --- The ticket page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_ticket_pages_answer_404_outside_the_access_rule(ui_world, role):
    client = ui_world.client(role)
    for key, incident in ui_world.incidents.items():
        response = client.get(reverse("portal-incident", args=[incident.number]))
        expected = 200 if key in VISIBLE[role] else 404
        assert response.status_code == expected, (role, key)


def test_anonymous_users_are_sent_to_sign_in(ui_world):
    client = ui_world.client("anonymous")
    for url in [reverse("portal-report"), reverse("portal-incidents"),
                reverse("portal-incident", args=[ui_world.number("inc_a")])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_the_requester_sees_the_public_conversation_only(ui_world, settings):
    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    services.take(incident, agent)
    services.add_comment(incident, agent, "Please restart Outlook.")
    services.add_comment(incident, agent, "Suspect the relay, do not tell the user", internal=True)
    services.update_incident(incident, agent, {"impact": 1})
    services.transition(incident, agent, State.ON_HOLD, hold_reason="awaiting_caller")
    html = ui_world.client("requester_a").get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert "Please restart Outlook." in html
    assert "Suspect the relay" not in html
    assert "impact" not in html.lower() and "Priority" not in html
    assert "Waiting for your reply" in html and "Test Agent_A" in html and "Service Desk" in html
    listed = ui_world.client("requester_a").get(reverse("portal-incidents")).content.decode()
    assert "Waiting for your reply" in listed  # the lists speak the requester's words too


def test_internal_attachments_are_not_listed_for_end_users(ui_world):
    from core import services as core_services

    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    core_services.add_attachment(incident, agent, upload("public.txt"))
    core_services.add_attachment(incident, agent, upload("secret-notes.txt"), internal=True)
    html = ui_world.client("requester_a").get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert "public.txt" in html and "secret-notes.txt" not in html


def test_a_reply_with_a_file_is_added_to_the_conversation(ui_world):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("requester_a")
    url = reverse("portal-incident-reply", args=[incident.number])
    response = client.post(url, {"body": "Here is the log.", "attachments": [upload("outlook.log")]})
    assert response.status_code == 302
    entry = JournalEntry.objects.get(ticket=incident, kind="comment")
    assert entry.body == "Here is the log." and not entry.internal
    assert list(entry.attachments.values_list("filename", flat=True)) == ["outlook.log"]
    html = client.get(response["Location"]).content.decode()
    assert "Here is the log." in html and "outlook.log" in html


def test_an_empty_reply_is_refused_with_a_message(ui_world):
    incident = ui_world.incidents["inc_a"]
    response = ui_world.client("requester_a").post(reverse("portal-incident-reply", args=[incident.number]),
                                                    {"body": "   "})
    assert response.status_code == 400 and "Write a reply or choose a file" in response.content.decode()
    assert not JournalEntry.objects.filter(ticket=incident, kind="comment").exists()


def test_replies_to_invisible_tickets_are_404(ui_world):
    incident = ui_world.incidents["inc_b"]
    response = ui_world.client("requester_a").post(reverse("portal-incident-reply", args=[incident.number]),
                                                    {"body": "sneaky"})
    assert response.status_code == 404
    assert not JournalEntry.objects.filter(body="sneaky").exists()


def resolve(incident, agent):
    services.take(incident, agent)
    return services.transition(incident, agent, State.RESOLVED, resolution_code="solved",
                               resolution_notes="Cleared the cache.")


def test_the_requester_can_reopen_a_resolved_ticket_with_a_reason(ui_world):
    incident = resolve(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    client = ui_world.client("requester_a")
    page = client.get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert "Cleared the cache." in page and "Yes, it is solved: close it" in page and "No, reopen it" in page
    response = client.post(reverse("portal-incident-state", args=[incident.number]),
                           {"state": "in_progress", "comment": "Still broken on my phone"})
    assert response.status_code == 302
    assert ui_world.refresh("inc_a").state == State.IN_PROGRESS
    html = client.get(response["Location"]).content.decode()
    assert "is open again" in html and "Still broken on my phone" in html


def test_the_requester_confirms_and_the_ticket_closes(ui_world):
    incident = resolve(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    client = ui_world.client("requester_a")
    client.post(reverse("portal-incident-state", args=[incident.number]), {"state": "closed"})
    assert ui_world.refresh("inc_a").state == State.CLOSED
    html = client.get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert "Thank you for confirming" in html and "Send reply" not in html and "report a new issue" in html


def test_a_colleague_cannot_close_someone_elses_ticket(ui_world):
    incident = resolve(ui_world.incidents["inc_a"], ui_world.users["agent_a"])
    client = ui_world.client("colleague_a")
    page = client.get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert "Yes, it is solved" not in page
    response = client.post(reverse("portal-incident-state", args=[incident.number]), {"state": "closed"}, follow=True)
    assert "could not change" in response.content.decode()
    assert ui_world.refresh("inc_a").state == State.RESOLVED


def test_the_requester_may_withdraw_a_new_ticket_but_not_resolve_it(ui_world):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("requester_a")
    url = reverse("portal-incident-state", args=[incident.number])
    client.post(url, {"state": "resolved"})
    assert ui_world.refresh("inc_a").state == State.NEW
    response = client.post(url, {"state": "cancelled"})  # never in one click: the confirmation page first
    assert response["Location"] == reverse("portal-incident-withdraw", args=[incident.number])
    assert ui_world.refresh("inc_a").state == State.NEW
    client.post(reverse("portal-incident-withdraw", args=[incident.number]), {"reason": ""})
    assert ui_world.refresh("inc_a").state == State.CANCELLED


def test_get_on_a_write_url_is_refused(ui_world):
    number = ui_world.number("inc_a")
    client = ui_world.client("requester_a")
    assert client.get(reverse("portal-incident-state", args=[number])).status_code == 405
    assert client.get(reverse("portal-incident-reply", args=[number])).status_code == 405
