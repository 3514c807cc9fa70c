"""The incident API's behaviour: create, PATCH, transitions, comments, history, attachments, watchers, links."""

from __future__ import annotations

import json

import pytest

from core.models import Attachment, JournalEntry
from incidents.choices import State
from incidents.models import Incident
from tests.incidents.api_support import API, World, history, upload, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def url(incident: Incident, tail: str = "") -> str:
    return f"{API}{incident.number}/{tail}"


# --- create -----------------------------------------------------------------------------------------------


def test_an_end_user_raises_an_incident_through_the_api(world: World, service_email):
    response = world.client("requester_a").post(
        API, {"title": "Outlook crashes", "description": "On start.", "urgency": 2, "service": service_email.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{API}{body['number']}/"
    assert body["state"] == "new" and body["priority"] == 4  # impact 3 x urgency 2
    assert body["requester"]["id"] == world.users["requester_a"].pk
    assert body["service"] == {"id": service_email.pk, "name": "E-mail"}
    assert body["team"]["name"] == "Service Desk" and body["version"] == 1
    assert Incident.objects.get(number=body["number"]).channel == "api"
    assert ("field_change", "state", "new", "New") in {
        (e["kind"], e["field"], e["new_value"], e["new_label"])
        for e in history(world, Incident.objects.get(number=body["number"]))}


def test_an_agent_raises_one_for_a_caller_and_names_the_channel(world: World):
    requester_b = world.users["requester_b"]
    client = world.client("agent_a")
    by_phone = client.post(API, {"title": "Printer jam", "requester": requester_b.pk, "channel": "phone",
                                 "impact": 1, "urgency": 1}, format="json")
    assert by_phone.status_code == 201, by_phone.content
    assert by_phone.json()["channel"] == "phone" and by_phone.json()["priority"] == 1
    assert by_phone.json()["requester"] == {"id": requester_b.pk, "name": requester_b.display_name}
    assert client.post(API, {"title": "No channel"}, format="json").json()["channel"] == "api"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("priority", 1, "read-only"),
        ("number", "INC9999999", "read-only"),
        ("version", 3, "read-only"),
        ("opened_at", "2020-01-01T00:00:00Z", "read-only"),
        ("state", "resolved", "may not"),
        ("team", "team_network", "may not"),
        ("assignee", "agent_b", "may not"),
        ("requester", "requester_b", "may not"),
        ("impact", 1, "may not"),
        ("major", True, "may not"),
        ("channel", "phone", "may not"),
        ("colour", "red", "Unknown field"),
    ],
)
def test_end_users_cannot_set_desk_fields_on_create(world: World, team_network, field, value, message):
    refs = {"team_network": team_network.pk, "agent_b": world.users["agent_b"].pk,
            "requester_b": world.users["requester_b"].pk}
    before = Incident.objects.count()
    response = world.client("requester_a").post(API, {"title": "Mine", field: refs.get(value, value)}, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert Incident.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "no title"}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "t", "service": 999999}, "service"),
        ({"title": "t", "service": 10**30}, "service"),
        ({"title": "t", "service": "e-mail"}, "service"),
        ({"title": "t", "urgency": 7}, "urgency"),
        ({"title": "t", "urgency": True}, "urgency"),
        ({"title": "t\x00"}, "title"),
    ],
)
def test_bad_create_input_is_a_400_naming_the_field(world: World, body, field):
    before = Incident.objects.count()
    response = world.client("requester_a").post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Incident.objects.count() == before


def test_a_body_that_is_not_an_object_is_a_400(world: World):
    response = world.client("agent_a").post(API, json.dumps(["title"]), content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_an_agent_cannot_choose_a_parent_they_cannot_see(world: World):
    inc_b = world.incidents["inc_b"]
    response = world.client("agent_a").post(API, {"title": "Child", "parent": inc_b.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(API, {"title": "Child", "parent": inc_a.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["parent"] == {"id": inc_a.pk, "number": inc_a.number, "title": inc_a.title}


def test_the_title_of_a_parent_out_of_sight_is_withheld(world: World):
    inc_a, inc_b = world.incidents["inc_a"], world.incidents["inc_b"]
    assert world.client("manager").patch(url(inc_a), {"parent": inc_b.pk}, format="json").status_code == 200
    seen_by_agent = world.client("agent_a").get(url(inc_a)).json()["parent"]
    assert seen_by_agent == {"id": inc_b.pk, "number": inc_b.number, "title": None}
    assert world.client("manager").get(url(inc_a)).json()["parent"]["title"] == inc_b.title


# --- PATCH ------------------------------------------------------------------------------------------------


def test_patch_with_a_stale_version_is_a_409_and_changes_nothing(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("agent_a")
    assert client.patch(url(inc_a), {"title": "First", "version": 1}, format="json").status_code == 200
    journal = JournalEntry.objects.filter(ticket_id=inc_a.pk).count()
    response = client.patch(url(inc_a), {"title": "Second", "urgency": 1, "version": 1}, format="json")
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"] and response.json()["current_version"] == 2
    after = world.refresh("inc_a")
    assert (after.title, after.urgency, after.version) == ("First", 3, 2)
    assert JournalEntry.objects.filter(ticket_id=inc_a.pk).count() == journal


def test_priority_in_a_patch_is_refused_not_ignored(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("manager").patch(url(inc_a), {"priority": 1, "title": "Urgent"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"priority": ["This field is read-only."]}
    assert world.refresh("inc_a").title == "Mailbox quota exceeded"


@pytest.mark.parametrize(
    ("field", "value"),
    [("state", "in_progress"), ("team", None), ("assignee", None), ("impact", 1), ("major", True),
     ("hold_reason", "awaiting_vendor"), ("category", None), ("parent", None)],
)
def test_end_users_cannot_patch_desk_fields(world: World, field, value):
    inc_a = world.incidents["inc_a"]
    response = world.client("requester_a").patch(url(inc_a), {field: value}, format="json")
    assert response.status_code == 400
    assert "You may not set this field." in response.json()[field]
    assert world.refresh("inc_a").version == inc_a.version


def test_an_agent_patch_recomputes_priority_and_journals_each_field(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").patch(url(inc_a), {"impact": 1, "urgency": 1, "version": 1}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["impact"], body["urgency"], body["priority"], body["version"]) == (1, 1, 1, 2)
    changes = {e["field"]: (e["old_value"], e["new_value"]) for e in history(world, inc_a, "agent_a")}
    assert changes["impact"] == ("3", "1") and changes["urgency"] == ("3", "1") and changes["priority"] == ("5", "1")
    # the desk's assessment stays internal; the requester still sees the urgency they gave
    seen_by_requester = {e["field"] for e in history(world, inc_a, "requester_a")}
    assert "urgency" in seen_by_requester and not {"impact", "priority"} & seen_by_requester


def test_an_agent_may_change_the_state_in_a_patch_through_the_transition_table(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("agent_a")
    held = client.patch(url(inc_a), {"state": "on_hold", "hold_reason": "awaiting_caller", "version": 1},
                        format="json")
    assert held.status_code == 200, held.content
    assert (held.json()["state"], held.json()["hold_reason"]) == ("on_hold", "awaiting_caller")
    refused = client.patch(url(inc_a), {"state": "closed"}, format="json")
    assert refused.status_code == 400 and "Allowed from On hold: In progress" in refused.json()["state"][0]


def test_assigning_someone_outside_the_team_is_a_400(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").patch(url(inc_a), {"assignee": world.users["agent_b"].pk}, format="json")
    assert response.status_code == 400 and "not a member of Service Desk" in response.json()["assignee"][0]


def test_a_closed_incident_cannot_be_patched(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("agent_a")
    assert client.post(url(inc_a, "transition/"), {"state": "cancelled"}, format="json").status_code == 200
    response = client.patch(url(inc_a), {"title": "Too late"}, format="json")
    assert response.status_code == 400 and "can no longer change" in response.json()["non_field_errors"][0]


def test_put_and_delete_are_not_offered(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("admin")
    assert client.put(url(inc_a), {"title": "x"}, format="json").status_code == 405
    assert client.delete(url(inc_a)).status_code == 405
    assert Incident.objects.filter(pk=inc_a.pk).exists()


# --- transitions ------------------------------------------------------------------------------------------


def test_a_forbidden_transition_names_the_allowed_states(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(url(inc_a, "transition/"), {"state": "closed"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "state": ["Cannot move from New to Closed. Allowed from New: In progress, On hold, Resolved, Cancelled."]
    }
    assert world.refresh("inc_a").state == State.NEW


def test_resolving_needs_a_code_and_notes_then_records_them(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("agent_a")
    refused = client.post(url(inc_a, "transition/"), {"state": "resolved"}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"resolution_code", "resolution_notes"}
    resolved = client.post(url(inc_a, "transition/"), {
        "state": "resolved", "resolution_code": "solved", "resolution_notes": "Quota raised.",
        "comment": "Please try again.", "version": 1,
    }, format="json")
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["state"] == "resolved" and body["resolved_at"] and body["resolution_notes"] == "Quota raised."
    entries = history(world, inc_a, "requester_a")
    assert ("field_change", "state", "resolved", "Resolved") in {
        (e["kind"], e["field"], e["new_value"], e["new_label"]) for e in entries}
    assert entries[-1]["kind"] == "comment" and entries[-1]["body"] == "Please try again."


def test_the_requester_confirms_or_cancels_but_does_not_work_the_incident(world: World):
    inc_a = world.incidents["inc_a"]
    requester = world.client("requester_a")
    refused = requester.post(url(inc_a, "transition/"), {"state": "in_progress"}, format="json")
    assert refused.status_code == 400 and "Allowed for you: Cancelled." in refused.json()["state"][0]
    assert world.client("colleague_a").post(url(inc_a, "transition/"), {"state": "cancelled"},
                                            format="json").status_code == 400
    cancelled = requester.post(url(inc_a, "transition/"), {"state": "cancelled"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["closed_at"]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"state": "bogus"}, "state", 400),
        ({}, "state", 400),
        ({"state": "on_hold", "hold_reason": "lunch"}, "hold_reason", 400),
        ({"state": "on_hold"}, "hold_reason", 400),
        ({"state": "in_progress", "version": "two"}, "version", 400),
        ({"state": "in_progress", "assignee": 1}, "assignee", 400),
        ({"state": "in_progress", "version": 7}, "detail", 409),
    ],
)
def test_bad_transitions_change_nothing(world: World, body, field, status):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(url(inc_a, "transition/"), body, format="json")
    assert response.status_code == status and field in response.json()
    assert world.refresh("inc_a").version == inc_a.version


def test_take_assigns_the_agent_and_starts_work(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(url(inc_a, "take/"), {"version": 1}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["assignee"]["id"] == world.users["agent_a"].pk and body["state"] == "in_progress"
    stale = world.client("agent_a").post(url(inc_a, "take/"), {"version": 1}, format="json")
    assert stale.status_code == 409


# --- comments and history ---------------------------------------------------------------------------------


def test_work_notes_are_for_the_desk_only(world: World):
    inc_a = world.incidents["inc_a"]
    refused = world.client("requester_a").post(url(inc_a, "comments/"), {"body": "psst", "internal": True},
                                               format="json")
    assert refused.status_code == 400 and "internal" in refused.json()
    note = world.client("agent_a").post(url(inc_a, "comments/"), {"body": "Caller is VIP", "internal": True},
                                        format="json")
    assert note.status_code == 201 and note.json()["kind"] == "work_note"
    reply = world.client("requester_a").post(url(inc_a, "comments/"), {"body": "Thanks"}, format="json")
    assert reply.status_code == 201 and reply.json()["author"]["id"] == world.users["requester_a"].pk

    def bodies(role: str, tail: str) -> list[str]:
        return [e["body"] for e in world.client(role).get(url(inc_a, tail)).json()["results"] if e["body"]]

    assert bodies("agent_a", "comments/") == ["Caller is VIP", "Thanks"]
    for role in ("requester_a", "colleague_a"):
        assert bodies(role, "comments/") == ["Thanks"]
        assert bodies(role, "history/") == ["Thanks"]
        assert "psst" not in str(bodies(role, "history/"))
    assert not JournalEntry.objects.filter(body="psst").exists()


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {}, {"body": "x", "kind": "field_change"}])
def test_empty_or_odd_comments_are_refused(world: World, body):
    inc_a = world.incidents["inc_a"]
    before = JournalEntry.objects.filter(ticket_id=inc_a.pk).count()
    response = world.client("agent_a").post(url(inc_a, "comments/"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"body", "kind"}
    assert JournalEntry.objects.filter(ticket_id=inc_a.pk).count() == before


def test_a_reply_from_the_requester_reopens_a_resolved_incident(world: World):
    inc_a = world.incidents["inc_a"]
    world.client("agent_a").post(url(inc_a, "transition/"), {
        "state": "resolved", "resolution_code": "solved", "resolution_notes": "Done"}, format="json")
    world.client("requester_a").post(url(inc_a, "comments/"), {"body": "Still broken"}, format="json")
    assert world.client("requester_a").get(url(inc_a)).json()["state"] == "in_progress"


def test_history_is_in_time_order_with_old_and_new_values(world: World):
    inc_a = world.incidents["inc_a"]
    client = world.client("agent_a")
    client.patch(url(inc_a), {"title": "Quota", "version": 1}, format="json")
    client.post(url(inc_a, "comments/"), {"body": "Looking"}, format="json")
    client.post(url(inc_a, "transition/"), {"state": "in_progress"}, format="json")
    entries = history(world, inc_a, "requester_a")
    assert [e["created_at"] for e in entries] == sorted(e["created_at"] for e in entries)
    summary = [(e["kind"], e["field"], e["old_value"], e["new_value"], e["body"]) for e in entries]
    title = ("field_change", "title", "Mailbox quota exceeded", "Quota", "")
    comment = ("comment", "", "", "", "Looking")
    state = ("field_change", "state", "new", "in_progress", "")
    assert summary.index(title) < summary.index(comment) < summary.index(state)
    labels = {(e["field"], e["old_label"], e["new_label"]) for e in entries}  # the words, for people
    assert ("state", "New", "In progress") in labels and ("title", "Mailbox quota exceeded", "Quota") in labels


def test_history_is_paginated(world: World):
    inc_a = world.incidents["inc_a"]
    for n in range(3):
        world.client("agent_a").post(url(inc_a, "comments/"), {"body": f"c{n}"}, format="json")
    page = world.client("agent_a").get(url(inc_a, "history/"), {"limit": 2}).json()
    total = JournalEntry.objects.filter(ticket_id=inc_a.pk).count()
    assert page["count"] == total and len(page["results"]) == 2 and "offset=2" in page["next"]


# --- attachments ------------------------------------------------------------------------------------------


def test_attachments_upload_list_and_download_url(world: World):
    inc_a = world.incidents["inc_a"]
    response = world.client("requester_a").post(url(inc_a, "attachments/"), {"file": upload("error.log", b"boom")},
                                                format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["filename"], body["size"], body["internal"]) == ("error.log", 4, False)
    assert body["download_url"] == f"/attachments/{body['id']}/download/"
    listed = world.client("agent_a").get(url(inc_a, "attachments/")).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]
    assert Attachment.objects.get(pk=body["id"]).file.read() == b"boom"


def test_an_oversized_attachment_is_a_400_naming_file(world: World, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(url(inc_a, "attachments/"), {"file": upload("big.bin", b"x" * 1025)},
                                            format="multipart")
    assert response.status_code == 400
    assert "big.bin" in response.json()["file"][0]
    assert not Attachment.objects.exists()
    assert world.client("agent_a").post(url(inc_a, "attachments/"), {"file": upload("ok.bin", b"x" * 1024)},
                                        format="multipart").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "file"), ({"file": "not a file"}, "file"), ({"file": upload("empty.txt", b"")}, "file")],
)
def test_an_attachment_needs_a_file(world: World, body, field):
    inc_a = world.incidents["inc_a"]
    response = world.client("agent_a").post(url(inc_a, "attachments/"), body, format="multipart")
    assert response.status_code == 400 and field in response.json()
    assert not Attachment.objects.exists()


def test_internal_attachments_are_hidden_from_end_users(world: World):
    inc_a = world.incidents["inc_a"]
    refused = world.client("requester_a").post(url(inc_a, "attachments/"), {"file": upload(), "internal": True},
                                               format="multipart")
    assert refused.status_code == 400 and "internal" in refused.json()
    note = world.client("agent_a").post(url(inc_a, "attachments/"), {"file": upload("dump.txt"), "internal": True},
                                        format="multipart")
    assert note.status_code == 201
    assert world.client("agent_a").get(url(inc_a, "attachments/")).json()["count"] == 1
    assert world.client("requester_a").get(url(inc_a, "attachments/")).json()["count"] == 0
    assert "dump.txt" not in str(history(world, inc_a, "requester_a"))


def test_end_users_cannot_attach_to_a_closed_incident(world: World):
    inc_a = world.incidents["inc_a"]
    world.client("requester_a").post(url(inc_a, "transition/"), {"state": "cancelled"}, format="json")
    response = world.client("requester_a").post(url(inc_a, "attachments/"), {"file": upload()}, format="multipart")
    assert response.status_code == 400 and "closed" in response.json()["file"][0]


# --- links ------------------------------------------------------------------------------------------------


def test_links_are_listed_both_ways_and_only_to_visible_tickets(world: World, make_incident):
    inc_a, inc_b = world.incidents["inc_a"], world.incidents["inc_b"]
    other_a = make_incident(world.users["requester_a"], title="Calendar sync")
    agent = world.client("agent_a")
    created = agent.post(url(inc_a, "links/"), {"target": other_a.number.lower(), "kind": "related"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["ticket"]["number"] == other_a.number and created.json()["direction"] == "outgoing"
    unseen = agent.post(url(inc_a, "links/"), {"target": inc_b.number, "kind": "related"}, format="json")
    assert unseen.status_code == 400 and "target" in unseen.json()
    # a manager links inc_b to inc_a: agent_a does not see that link, the manager does
    world.client("manager").post(url(inc_b, "links/"), {"target": inc_a.number, "kind": "caused_by"}, format="json")
    assert [lk["ticket"]["number"] for lk in agent.get(url(inc_a, "links/")).json()["results"]] == [other_a.number]
    assert len(world.client("manager").get(url(inc_a)).json()["links"]) == 2
    incoming = world.client("agent_a").get(url(other_a)).json()["links"]
    assert [(lk["direction"], lk["ticket"]["number"]) for lk in incoming] == [("incoming", inc_a.number)]
    assert agent.delete(url(inc_a, f"links/{created.json()['id']}/")).status_code == 204
    assert agent.get(url(inc_a, "links/")).json()["count"] == 0
