"""Issue #7 §2 and §4: references to other tickets are rendered for the viewer, and the journal speaks in labels.

The world (tests.incidents.views_support): inc_a (Acme, team Service Desk: agent_a) and inc_b (Globex, team
Network: agent_b). A manager, who sees both, links inc_a to inc_b and makes inc_b the parent of inc_a. agent_a
may open inc_a but not inc_b: nothing on inc_a's page, activity or API history may tell them inc_b's title (nor
its number, outside the parent field they may edit); an agent who may open inc_b sees both, with a link.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from core import services as core
from core.models import JournalEntry, JournalKind, TicketLink
from incidents import services
from tests.incidents import views_support
from tests.incidents.views_support import htmx

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture

SECRET_TITLE = "VPN tunnel keeps dropping"  # inc_b's title


@pytest.fixture
def linked(ui_world):
    """inc_a related to inc_b, and inc_b made inc_a's parent, both by the manager."""
    manager = ui_world.users["manager"]
    inc_a, inc_b = ui_world.incidents["inc_a"], ui_world.incidents["inc_b"]
    core.link_tickets(inc_a, inc_b, "related", manager)
    services.update_incident(inc_a, manager, {"parent": inc_b.pk})
    return ui_world


def page(world, role: str, key: str = "inc_a") -> str:
    response = world.client(role).get(reverse("agent-incident", args=[world.number(key)]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, testid: str) -> str:
    """The element marked data-testid=`testid` (a list or panel), up to its closing tag."""
    match = re.search(rf'<(ol|ul|section|p)\b[^>]*data-testid="{testid}".*?</\1>', html, re.S)
    assert match, testid
    return match.group(0)


def words(html: str) -> str:
    """What a reader sees of `html`: the text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ”", "”").replace("“ ", "“")


def history(world, role: str, key: str = "inc_a") -> list[dict]:
    response = world.client(role).get(f"/api/v1/incidents/{world.number(key)}/history/")
    assert response.status_code == 200
    return response.json()["results"]


def test_the_stored_journal_holds_the_reference_never_the_title(linked):
    inc_a, inc_b = linked.incidents["inc_a"], linked.incidents["inc_b"]
    rows = JournalEntry.objects.filter(field__in=["link", "parent"])
    assert rows.count() == 3  # a link on each side, the parent on the child
    assert not rows.filter(new_value__contains=SECRET_TITLE).exists()
    parent = rows.get(field="parent")
    assert (parent.new_value, parent.new_ticket_id) == (inc_b.number, inc_b.pk)
    on_b = rows.get(ticket_id=inc_b.pk)
    assert (on_b.new_value, on_b.new_ticket_id) == (f"{inc_a.number} related to this", inc_a.pk)


def test_an_agent_who_cannot_open_the_other_ticket_sees_no_title_on_the_page(linked):
    inc_b = linked.incidents["inc_b"]
    html = page(linked, "agent_a")
    assert SECRET_TITLE not in html
    links = section(html, "links")
    assert "Related to" in links and "another ticket" in links and inc_b.number not in links
    assert "Remove link" not in links  # the API refuses it too: the agent cannot see what it points at
    parent = section(html, "parent-link")
    assert "another ticket" in parent and inc_b.number not in parent and "<a " not in parent
    activity = section(html, "activity")
    assert "added link related to another ticket" in words(activity)
    assert "changed the parent incident to “another ticket”" in words(activity) and inc_b.number not in activity


def test_the_other_side_of_the_link_is_hidden_the_same_way(linked):
    """inc_b's agent cannot open inc_a: inc_b's page says "another ticket is related to this"."""
    html = page(linked, "agent_b", "inc_b")
    inc_a = linked.incidents["inc_a"]
    assert "Mailbox quota exceeded" not in html
    links, activity = section(html, "links"), section(html, "activity")
    assert "another ticket" in links and "is related to this" in links and inc_a.number not in links
    assert "another ticket" in activity and inc_a.number not in activity


def test_an_agent_who_may_open_the_other_ticket_sees_its_number_title_and_page(linked):
    linked.users["agent_a"].teams.add(linked.users["agent_b"].teams.get())  # now in Network too
    inc_b = linked.incidents["inc_b"]
    target = reverse("agent-incident", args=[inc_b.number])
    html = page(linked, "agent_a")
    links, parent, activity = section(html, "links"), section(html, "parent-link"), section(html, "activity")
    for part in (links, parent, activity):
        assert f'<a href="{target}">{inc_b.number}</a> {SECRET_TITLE}' in part
    assert "another ticket" not in links + parent + activity and "Remove link" in links


def test_the_page_asks_the_access_rule_once_for_the_tickets_it_refers_to(linked):
    """The activity stream and the links panel refer to the same tickets: one question to the access rule."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = linked.client("agent_a")
    url = reverse("agent-incident", args=[linked.number("inc_a")])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    rule = f'"core_ticket"."requester_id" = {linked.users["agent_a"].pk}'  # the access rule's first branch
    asked = [q["sql"] for q in ctx.captured_queries if rule in q["sql"]]
    assert len(asked) == 2  # the page's incident, and which of the tickets it refers to agent_a may see
    assert "another ticket" in section(html, "links") and "another ticket" in section(html, "activity")


def test_the_api_history_renders_references_for_the_caller(linked):
    inc_b = linked.incidents["inc_b"]
    entries = {e["field"]: e for e in history(linked, "agent_a") if e["field"] in ("link", "parent")}
    text = str(entries)
    assert SECRET_TITLE not in text and inc_b.number not in text
    assert entries["link"]["new_value"] == "related to another ticket" and entries["link"]["new_ticket"] is None
    assert entries["parent"]["new_value"] == entries["parent"]["new_label"] == "another ticket"
    assert entries["parent"]["new_ticket"] is None

    linked.users["agent_a"].teams.add(linked.users["agent_b"].teams.get())
    entries = {e["field"]: e for e in history(linked, "agent_a") if e["field"] in ("link", "parent")}
    ref = {"id": inc_b.pk, "number": inc_b.number, "title": SECRET_TITLE, "kind": "incident"}
    assert entries["link"]["new_ticket"] == ref and entries["parent"]["new_ticket"] == ref
    assert entries["link"]["new_value"] == f"related to {inc_b.number}"
    assert entries["link"]["new_label"] == f"related to {inc_b.number} {SECRET_TITLE}"
    assert entries["parent"]["new_value"] == inc_b.number


def test_a_removed_link_keeps_rendering_per_viewer(linked):
    link = TicketLink.objects.get()
    core.unlink_tickets(link, linked.users["manager"])
    removed = [e for e in history(linked, "agent_a") if e["field"] == "link" and e["old_value"]]
    assert [(e["old_value"], e["old_ticket"], e["new_value"]) for e in removed] == [
        ("related to another ticket", None, "")]
    assert "removed link related to another ticket" in words(section(page(linked, "agent_a"), "activity"))


def test_an_agent_cannot_remove_a_link_to_a_ticket_they_cannot_see(linked):
    link = TicketLink.objects.get()
    url = reverse("agent-incident-link-remove", args=[linked.number("inc_a"), link.pk])
    assert linked.client("agent_a").post(url, **htmx()).status_code == 404
    assert TicketLink.objects.filter(pk=link.pk).exists()


def test_end_users_see_nothing_of_the_desks_internal_references(linked):
    inc_b = linked.incidents["inc_b"]
    for role in ("requester_a", "colleague_a"):
        response = linked.client(role).get(reverse("portal-incident", args=[linked.number("inc_a")]))
        html = response.content.decode()
        assert response.status_code == 200 and SECRET_TITLE not in html and inc_b.number not in html
        entries = history(linked, role)
        assert not {"link", "parent"} & {e["field"] for e in entries}
        assert SECRET_TITLE not in str(entries) and inc_b.number not in str(entries)
        detail = linked.client(role).get(f"/api/v1/incidents/{linked.number('inc_a')}/").json()
        assert "parent" not in detail and "links" not in detail


def test_a_deleted_ticket_reads_as_deleted(linked):
    linked.incidents["inc_b"].delete()
    entries = {e["field"]: e for e in history(linked, "manager") if e["field"] in ("link", "parent")}
    assert entries["link"]["new_value"] == "related to a deleted ticket" and entries["link"]["new_ticket"] is None
    assert "a deleted ticket" in section(page(linked, "manager"), "activity")


# --- labels, not codes -------------------------------------------------------------------------------------------

def test_choice_changes_are_stored_as_codes_and_shown_as_labels(ui_world):
    inc_a = ui_world.incidents["inc_a"]
    agent = ui_world.users["agent_a"]
    services.update_incident(inc_a, agent, {"impact": 2, "urgency": 2, "channel": "email"})
    services.transition(inc_a, agent, "on_hold", hold_reason="awaiting_vendor")
    stored = dict(JournalEntry.objects.filter(ticket_id=inc_a.pk, kind=JournalKind.FIELD_CHANGE)
                  .exclude(old_value="", field__in=["state", "team"]).values_list("field", "new_value"))
    assert stored == {"impact": "2", "urgency": "2", "priority": "3", "channel": "email", "state": "on_hold",
                      "hold_reason": "awaiting_vendor"}

    activity = words(section(page(ui_world, "agent_a"), "activity"))
    assert "changed the priority from “5 - Planning” to “3 - Moderate”" in activity
    assert "changed the impact from “3 - Low” to “2 - Medium”" in activity
    assert "changed the state from “New” to “On hold”" in activity
    assert "changed the hold reason to “Awaiting vendor”" in activity
    assert "changed the channel from “Portal” to “E-mail”" in activity
    assert "“5”" not in activity and "on_hold" not in activity

    changes = {e["field"]: e for e in history(ui_world, "agent_a") if e["kind"] == "field_change"}
    priority, state = changes["priority"], changes["state"]
    assert (priority["old_value"], priority["new_value"]) == ("5", "3")
    assert (priority["old_label"], priority["new_label"]) == ("5 - Planning", "3 - Moderate")
    assert (state["old_value"], state["new_value"], state["new_label"]) == ("new", "on_hold", "On hold")
    assert changes["hold_reason"]["new_label"] == "Awaiting vendor"


def test_the_portal_shows_the_state_label(ui_world):
    inc_a = ui_world.incidents["inc_a"]
    services.transition(inc_a, ui_world.users["agent_a"], "in_progress")
    html = ui_world.client("requester_a").get(reverse("portal-incident", args=[inc_a.number])).content.decode()
    assert "State changed to <strong>In progress</strong>" in html and "in_progress</strong>" not in html


# --- the data migration of entries written before --------------------------------------------------------------

def test_the_migration_turns_old_labels_into_codes_and_titles_into_references(ui_world):
    inc_a, inc_b = ui_world.incidents["inc_a"], ui_world.incidents["inc_b"]
    at, actor = inc_a.opened_at, ui_world.users["manager"]

    def old_entry(ticket, field, old, new):
        return JournalEntry.objects.create(ticket=ticket, kind=JournalKind.FIELD_CHANGE, field=field, old_value=old,
                                           new_value=new, actor=actor, created_at=at, internal=True)

    parent = old_entry(inc_a, "parent", "", f"{inc_b.number} {SECRET_TITLE}")
    state = old_entry(inc_a, "state", "In progress", "On hold")
    reason = old_entry(inc_a, "resolution_code", "", "Solved (workaround)")
    link = old_entry(inc_a, "link", "", f"related to {inc_b.number}")
    importlib.import_module("core.migrations.0010_journal_ticket_references").record_link_references(
        django_apps, None)
    importlib.import_module("incidents.migrations.0003_journal_codes_and_parent_references").forwards(
        django_apps, None)
    for entry in (parent, state, reason, link):
        entry.refresh_from_db()
    assert (parent.new_value, parent.new_ticket_id) == (inc_b.number, inc_b.pk)
    assert (state.old_value, state.new_value, reason.new_value) == ("in_progress", "on_hold", "workaround")
    assert link.new_ticket_id == inc_b.pk
    activity = section(page(ui_world, "agent_a"), "activity")
    assert SECRET_TITLE not in activity and "“On hold”" in activity


def test_an_agent_who_cannot_open_the_parent_still_saves_the_other_fields(linked):
    """The parent the agent cannot open is kept as it is; it does not block saving the rest of the form."""
    from tests.incidents.test_views_agent_ticket import field_data

    inc_a = linked.refresh("inc_a")
    response = linked.client("agent_a").post(reverse("agent-incident", args=[inc_a.number]),
                                             field_data(inc_a, title="Mailbox quota exceeded again"))
    assert response.status_code in (200, 302)
    fresh = linked.refresh("inc_a")
    assert fresh.title == "Mailbox quota exceeded again" and fresh.parent_id == linked.incidents["inc_b"].pk
