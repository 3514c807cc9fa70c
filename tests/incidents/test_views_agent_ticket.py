"""The agent's ticket page: fields and conflicts, activity, comments and work notes, quick actions, watchers, links.

Each write is checked both ways: a plain form post (redirect, or the whole page on error) and an htmx post
(the affected panels, swapped in place).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Organization
from core.models import Attachment, JournalEntry, TicketLink, Watcher
from incidents import services
from incidents.choices import State
from tests.incidents import views_support
from tests.incidents.views_support import STAFF, VISIBLE, htmx, upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture


def url(world, name: str, key: str = "inc_a", *args) -> str:
    return reverse(name, args=[world.number(key), *args])


def field_data(incident, **overrides) -> dict:
    """The fields form as the page renders it for `incident` (values and "initial-" values), some changed."""
    shown = {
        "title": incident.title, "description": incident.description,
        "service": incident.service_id or "", "category": incident.category_id or "",
        "subcategory": incident.subcategory_id or "", "impact": incident.impact, "urgency": incident.urgency,
        "team": incident.team_id or "", "assignee": incident.assignee_id or "", "channel": incident.channel,
        "parent": incident.parent.number if incident.parent_id else "",
    }
    return {"version": incident.version, **shown, **{f"initial-{k}": v for k, v in shown.items()}, **overrides}


@pytest.mark.parametrize("role", STAFF)
def test_ticket_pages_answer_404_outside_the_access_rule(ui_world, role):
    client = ui_world.client(role)
    for key in ui_world.incidents:
        expected = 200 if key in VISIBLE[role] else 404
        assert client.get(url(ui_world, "agent-incident", key)).status_code == expected, (role, key)


def test_writes_on_invisible_tickets_are_404_and_change_nothing(ui_world):
    client = ui_world.client("agent_a")
    inc_b = ui_world.incidents["inc_b"]
    posts = [
        ("agent-incident", field_data(inc_b, title="Hijacked")),
        ("agent-incident-comment", {"body": "hello", "visibility": "public"}),
        ("agent-incident-take", {}),
        ("agent-incident-state", {"state": "cancelled"}),
        ("agent-incident-watcher-add", {"user": ui_world.users["agent_a"].pk}),
        ("agent-incident-link-add", {"kind": "related", "target": ui_world.number("inc_a")}),
    ]
    for name, data in posts:
        assert client.post(url(ui_world, name, "inc_b"), data).status_code == 404, name
    fresh = ui_world.refresh("inc_b")
    assert fresh.title == "VPN tunnel keeps dropping" and fresh.state == State.NEW and fresh.assignee is None
    assert not JournalEntry.objects.filter(ticket=inc_b, kind="comment").exists()
    assert not Watcher.objects.filter(ticket=inc_b).exists() and not TicketLink.objects.exists()


def test_the_activity_shows_work_notes_as_internal_and_everything_in_time_order(ui_world):
    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    services.add_comment(incident, agent, "First, public")
    services.add_comment(incident, agent, "Second, internal", internal=True)
    html = ui_world.client("agent_a").get(url(ui_world, "agent-incident")).content.decode()
    stream = html[html.index('id="activity-stream"'):]
    assert stream.index("Second, internal") < stream.index("First, public")  # newest first
    note = re.search(r'data-testid="work-note">(.*?)</li>', stream, re.S).group(1)
    assert "Internal" in note and "Second, internal" in note
    assert "changed the state" in stream and "“New”" in stream


# --- Fields ---------------------------------------------------------------------------------------------


def test_saving_fields_applies_only_what_changed_and_journals_it(ui_world, team_service_desk):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("agent_a")
    data = field_data(incident, title="Mailbox full", impact=1, assignee=ui_world.users["agent_a"].pk)
    response = client.post(url(ui_world, "agent-incident"), data)
    assert response.status_code == 302
    fresh = ui_world.refresh("inc_a")
    assert fresh.title == "Mailbox full" and fresh.impact == 1 and fresh.assignee == ui_world.users["agent_a"]
    assert fresh.priority == 3 and fresh.version == incident.version + 1  # impact 1 x urgency 3
    changed = set(JournalEntry.objects.filter(ticket=incident, kind="field_change",
                                              created_at__gt=incident.updated_at).values_list("field", flat=True))
    assert changed == {"title", "impact", "assignee", "priority"}
    assert "Saved." in client.get(response["Location"]).content.decode()


def test_saving_with_htmx_returns_the_panels_it_changed(ui_world):
    incident = ui_world.incidents["inc_a"]
    response = ui_world.client("agent_a").post(url(ui_world, "agent-incident"),
                                               field_data(incident, title="Mailbox full"), **htmx())
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.startswith('<section id="ticket-fields"')
    assert re.search(r'<section id="ticket-header"[^>]*hx-swap-oob="true"', html)  # swapped out of band
    assert 'id="activity-stream"' in html and "Saved." in html
    assert f'name="version" value="{incident.version + 1}"' in html


def test_a_stale_save_is_a_conflict_that_keeps_the_input_and_changes_nothing(ui_world):
    incident, manager = ui_world.incidents["inc_a"], ui_world.users["manager"]
    stale = field_data(incident, title="My better title", description="My careful notes")
    services.update_incident(incident, manager, {"title": "Their title", "urgency": 1})  # someone else saves first
    for headers in ({}, htmx()):
        response = ui_world.client("agent_a").post(url(ui_world, "agent-incident"), stale, **headers)
        html = response.content.decode()
        assert response.status_code == 409
        assert "Not saved: this incident was changed by someone else" in html
        assert 'value="My better title"' in html and "My careful notes" in html  # the user's input is kept
        # both changed the title: the current value is pointed out; only they changed urgency: it is taken
        assert re.search(r'data-testid="current-title">Current value: Their title<', html)
        assert 'data-testid="current-description"' not in html
        assert re.search(r'<option value="1" selected>1 - High</option>', html)
        assert 'data-testid="refreshed-urgency"' in html
        fresh = ui_world.refresh("inc_a")
        assert fresh.title == "Their title" and fresh.description == "It fails."  # nothing changed
        assert f'name="version" value="{fresh.version}"' in html  # saving again applies on top of theirs
    assert 'name="initial-title" value="Their title"' in html  # what the page now shows as loaded
    again = field_data(ui_world.refresh("inc_a"), title="My better title", description="My careful notes")
    response = ui_world.client("agent_a").post(url(ui_world, "agent-incident"), again)
    fresh = ui_world.refresh("inc_a")
    assert response.status_code == 302
    assert fresh.title == "My better title" and fresh.description == "My careful notes" and fresh.urgency == 1


def test_field_errors_from_the_service_are_shown_on_the_field(ui_world):
    incident = ui_world.incidents["inc_a"]
    response = ui_world.client("agent_a").post(url(ui_world, "agent-incident"),
                                               field_data(incident, assignee=ui_world.users["agent_b"].pk))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_assignee-errors"' in html and "Test Agent_B is not a member of Service Desk." in html
    assert ui_world.refresh("inc_a").assignee is None


def test_a_parent_must_be_an_incident_the_agent_can_see(ui_world):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident"), field_data(incident, parent=ui_world.number("inc_b")))
    assert response.status_code == 400 and "that you can see" in response.content.decode()
    client.post(url(ui_world, "agent-incident"), field_data(incident, parent=ui_world.number("inc_a2").lower()))
    assert ui_world.refresh("inc_a").parent_id == ui_world.incidents["inc_a2"].pk


def test_only_managers_can_flag_a_major_incident(ui_world):
    incident = ui_world.incidents["inc_a"]
    agent_page = ui_world.client("agent_a").get(url(ui_world, "agent-incident")).content.decode()
    assert 'name="major"' not in agent_page
    ui_world.client("agent_a").post(url(ui_world, "agent-incident"), field_data(incident, major="on"))
    assert not ui_world.refresh("inc_a").major
    ui_world.client("manager").post(url(ui_world, "agent-incident"), field_data(incident, major="on"))
    assert ui_world.refresh("inc_a").major


def test_a_closed_incident_is_read_only(ui_world):
    incident = services.transition(ui_world.incidents["inc_a"], ui_world.users["agent_a"], State.CANCELLED)
    client = ui_world.client("agent_a")
    page = client.get(url(ui_world, "agent-incident")).content.decode()
    assert "its fields can no longer change" in page and "<fieldset disabled>" in page
    response = client.post(url(ui_world, "agent-incident"), field_data(incident, title="Zombie"))
    assert response.status_code == 400 and ui_world.refresh("inc_a").title == "Mailbox quota exceeded"


# --- Comments, work notes, files ------------------------------------------------------------------------


def test_a_work_note_with_a_file_stays_internal(ui_world):
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-comment"),
                           {"body": "Relay queue is full", "visibility": "internal",
                            "attachments": [upload("relay.log")]}, **htmx())
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="comment-panel"')
    assert 'id="activity-stream"' in html and "Relay queue is full" in html and "Work note added." in html
    entry = JournalEntry.objects.get(body="Relay queue is full")
    assert entry.internal and entry.kind == "work_note"
    assert Attachment.objects.get(filename="relay.log").internal
    portal = ui_world.client("requester_a").get(reverse("portal-incident", args=[ui_world.number("inc_a")]))
    assert "Relay queue is full" not in portal.content.decode() and "relay.log" not in portal.content.decode()


def test_a_public_comment_reaches_the_requester_page(ui_world):
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-comment"), {"body": "Try now", "visibility": "public"})
    assert response.status_code == 302 and response["Location"].endswith("#activity")
    portal = ui_world.client("requester_a").get(reverse("portal-incident", args=[ui_world.number("inc_a")]))
    assert "Try now" in portal.content.decode()


def test_an_empty_comment_keeps_the_form_and_says_why(ui_world, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-comment"), {"body": "", "visibility": "public"}, **htmx())
    assert response.status_code == 400 and "Write something or choose a file" in response.content.decode()
    response = client.post(url(ui_world, "agent-incident-comment"),
                           {"body": "Big file attached", "visibility": "public",
                            "attachments": [upload("big.bin", b"x" * 100)]}, **htmx())
    html = response.content.decode()
    assert response.status_code == 400 and "Big file attached" in html
    assert "“big.bin” is 100 bytes; attachments may be at most 10 bytes each." in html
    assert not JournalEntry.objects.filter(body="Big file attached").exists()


# --- Quick actions --------------------------------------------------------------------------------------


def test_take_assigns_me_and_starts_work(ui_world):
    incident = ui_world.incidents["inc_a"]
    response = ui_world.client("agent_a").post(url(ui_world, "agent-incident-take"),
                                               {"version": incident.version}, **htmx())
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<section id="ticket-header"')
    assert f"You took {incident.number}." in html and "Assigned to <strong>Test Agent_A</strong>" in html
    assert 'id="ticket-fields"' in html  # the fields panel is refreshed with the new version
    fresh = ui_world.refresh("inc_a")
    assert fresh.assignee == ui_world.users["agent_a"] and fresh.state == State.IN_PROGRESS


def test_take_from_a_stale_page_does_nothing(ui_world):
    incident = ui_world.incidents["inc_a"]
    services.take(incident, ui_world.users["manager"].__class__.objects.get(username="agent_a"))
    response = ui_world.client("manager").post(url(ui_world, "agent-incident-take"), {"version": incident.version},
                                               **htmx())
    assert response.status_code == 409 and "changed since you opened it" in response.content.decode()
    assert ui_world.refresh("inc_a").assignee == ui_world.users["agent_a"]


def test_resolving_needs_a_code_and_notes(ui_world):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-state"),
                           {"state": "resolved", "version": incident.version, "resolution_notes": "Done"}, **htmx())
    html = response.content.decode()
    assert response.status_code == 400
    assert "Resolving needs a resolution code" in html and re.search(r'<details[^>]* class="action-menu" open>', html)
    assert "Done</textarea>" in html  # what was typed stays
    assert ui_world.refresh("inc_a").state == State.NEW
    response = client.post(url(ui_world, "agent-incident-state"),
                           {"state": "resolved", "version": incident.version, "resolution_code": "solved",
                            "resolution_notes": "Quota raised"})
    assert response.status_code == 302
    fresh = ui_world.refresh("inc_a")
    assert fresh.state == State.RESOLVED and fresh.resolution_notes == "Quota raised"
    page = client.get(url(ui_world, "agent-incident")).content.decode()
    assert "is now resolved" in page and ">Reopen<" in page and ">Close<" in page


def test_hold_needs_a_reason(ui_world):
    incident = ui_world.incidents["inc_a"]
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-state"), {"state": "on_hold", "version": incident.version})
    html = response.content.decode()
    assert response.status_code == 400
    # the reasons by their labels, as the hold form offers them, not their stored codes
    assert "needs a reason: Awaiting caller, Awaiting change, Awaiting problem, Awaiting vendor." in html
    assert "awaiting_caller," not in html
    client.post(url(ui_world, "agent-incident-state"),
                {"state": "on_hold", "version": incident.version, "hold_reason": "awaiting_caller"})
    assert ui_world.refresh("inc_a").hold_reason == "awaiting_caller"


def test_transitions_outside_the_workflow_are_refused(ui_world):
    incident = ui_world.incidents["inc_a"]
    response = ui_world.client("agent_a").post(url(ui_world, "agent-incident-state"),
                                               {"state": "closed", "version": incident.version}, follow=True)
    html = response.content.decode()
    assert "Cannot move from New to Closed. Allowed from New: In progress, On hold, Resolved, Cancelled." in html
    assert "&#x27;new&#x27;" not in html and "in_progress" not in html.split("Allowed from New")[1][:80]
    assert ui_world.refresh("inc_a").state == State.NEW


def test_only_the_allowed_transitions_are_offered(ui_world):
    html = ui_world.client("agent_a").get(url(ui_world, "agent-incident")).content.decode()
    offered = set(re.findall(r'name="state" value="(\w+)"', html))
    assert offered == {"in_progress", "on_hold", "resolved", "cancelled"}


# --- Watchers and links ---------------------------------------------------------------------------------


def test_watchers_can_be_added_and_removed_and_then_see_the_ticket(ui_world):
    client = ui_world.client("agent_a")
    colleague = ui_world.users["colleague_a"]
    portal_url = reverse("portal-incident", args=[ui_world.number("inc_a")])
    Organization.objects.filter(name="Acme").update(share_tickets=False)
    assert ui_world.client("colleague_a").get(portal_url).status_code == 404
    response = client.post(url(ui_world, "agent-incident-watcher-add"), {"user": colleague.pk}, **htmx())
    assert response.status_code == 200 and "Test Colleague_A now watches" in response.content.decode()
    assert ui_world.client("colleague_a").get(portal_url).status_code == 200
    client.post(url(ui_world, "agent-incident-watcher-remove", "inc_a", colleague.pk))
    assert not Watcher.objects.filter(user=colleague).exists()
    response = client.post(url(ui_world, "agent-incident-watcher-add"), {"q": "nobody"}, **htmx())
    assert response.status_code == 400 and "Nobody matches “nobody”" in response.content.decode()


def test_links_only_to_tickets_the_agent_can_see(ui_world):
    client = ui_world.client("agent_a")
    response = client.post(url(ui_world, "agent-incident-link-add"),
                           {"kind": "duplicate_of", "target": ui_world.number("inc_b")}, **htmx())
    assert response.status_code == 400 and "that you can see" in response.content.decode()
    response = client.post(url(ui_world, "agent-incident-link-add"),
                           {"kind": "duplicate_of", "target": ui_world.number("inc_a2")}, **htmx())
    html = response.content.decode()
    assert response.status_code == 200 and "Duplicate of" in html and ui_world.number("inc_a2") in html
    link = TicketLink.objects.get()
    other = client.get(url(ui_world, "agent-incident", "inc_a2")).content.decode()
    assert f"{ui_world.number('inc_a')}</a> Mailbox quota exceeded is duplicate of this" in other
    client.post(url(ui_world, "agent-incident-link-remove", "inc_a", link.pk))
    assert not TicketLink.objects.exists()
