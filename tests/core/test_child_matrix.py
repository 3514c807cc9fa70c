"""The role x object matrix of the child endpoints every kind gets from the core (core.api.children), written
once and run for each kind: incidents, requests, problems, changes, change tasks, releases and knowledge articles'
working copies (which end users never see; the whole desk reads every article), and the test-only "chore" kind of
test_kinds.py.

Each endpoint is a row: method and path under /api/v1/{kind}/{number}/, a body, the status a caller who may use
it gets, the roles that get something else, and the journal entry a successful write leaves. Every row runs for
every role against two tickets of the kind: one in the caller's sight and one outside it (404, and nothing
changes), and anonymously (401). A new kind gets the whole matrix by adding a line to KINDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from core import clock, kinds
from core import services as core_services
from core.models import JournalEntry, Ticket, TicketKind, next_number
from core.services import FieldChange
from tests.core.test_kinds import ChoreKind, registered
from tests.factories import UserFactory
from tests.incidents.api_support import END_USERS, ROLES, VISIBLE, upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.chore_urls")]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # after /api/v1/{kind}/{number}/
    ok: int
    body: Callable[..., dict[str, Any]] | None = None  # here without arguments; the ticket's matrix: the ticket
    multipart: bool = False
    overrides: dict[str, int] = field(default_factory=dict)  # roles that see the ticket but get another status
    refused: frozenset[str] = frozenset()  # roles refused whatever the ticket (403 before any lookup)
    journal: tuple[str, str] | None = None  # (kind, field) of the entry a success leaves; None for reads


END_USERS_403 = dict.fromkeys(END_USERS, 403)
ENDPOINTS = [
    Endpoint("comments", "get", "comments/", 200),
    Endpoint("comment", "post", "comments/", 201, body=lambda: {"body": "Any news?"}, journal=("comment", "")),
    Endpoint("note", "post", "comments/", 201, body=lambda: {"body": "Checked.", "internal": True},
             overrides=dict.fromkeys(END_USERS, 400), journal=("work_note", "")),
    Endpoint("history", "get", "history/", 200),
    Endpoint("attachments", "get", "attachments/", 200),
    Endpoint("attach", "post", "attachments/", 201, body=lambda: {"file": upload()}, multipart=True,
             journal=("field_change", "attachment")),
    Endpoint("watchers", "get", "watchers/", 200, overrides=END_USERS_403),
    Endpoint("watch", "post", "watchers/", 201, body=lambda: {}, journal=("field_change", "watchers")),
    Endpoint("links", "get", "links/", 200, overrides=END_USERS_403),
    Endpoint("link", "post", "links/", 201, body=lambda: {"target": "PLACEHOLDER", "kind": "related"},
             overrides=END_USERS_403, journal=("field_change", "link")),
]


def make_incident_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    make = world["make_incident"]
    return {"a": make(world["requester_a"], title="Mailbox quota exceeded", service=world["service_email"]),
            "b": make(world["requester_b"], title="VPN tunnel keeps dropping", service=world["service_vpn"])}


def make_chore_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    def chore(requester, team, title) -> Ticket:
        now = clock.now()
        ticket = Ticket.objects.create(
            number=next_number(TicketKind.TASK), kind=TicketKind.TASK, title=title, state="todo",
            requester=requester, organization=requester.organization, team=team, opened_at=now, updated_at=now,
        )
        core_services.commit(ticket, requester, [FieldChange("state", "", "todo")], created=True)
        return ticket

    return {"a": chore(world["requester_a"], world["team_service_desk"], "Water the plants"),
            "b": chore(world["requester_b"], world["team_network"], "Feed the fish")}


def make_problem_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from problems import services

    a = services.create_problem(world["agent_a"], {"title": "Mailbox quotas fill up",
                                                   "team": world["team_service_desk"]})
    Ticket.objects.filter(pk=a.pk).update(requester=world["requester_a"])  # end users still never see problems
    return {"a": a, "b": services.create_problem(world["agent_b"], {"title": "Tunnels drop",
                                                                    "team": world["team_network"]})}


def make_change_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from changes.kind import CHANGE
    from core import writes

    a = writes.create(CHANGE, world["agent_a"], {"title": "Patch the mail relay", "team": world["team_service_desk"]})
    Ticket.objects.filter(pk=a.pk).update(requester=world["requester_a"])  # end users still never see changes
    return {"a": a, "b": writes.create(CHANGE, world["agent_b"], {"title": "Replace the VPN concentrator",
                                                                  "team": world["team_network"]})}


def make_change_task_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from changes import services

    changes = make_change_pair(world)
    a = services.add_task(changes["a"], world["agent_a"], {"title": "Stop the relay"})
    Ticket.objects.filter(pk=a.pk).update(requester=world["requester_a"])  # end users still never see tasks
    return {"a": a, "b": services.add_task(changes["b"], world["agent_b"], {"title": "Rack the new concentrator"})}


def make_release_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from changes.release_kind import RELEASE
    from core import writes

    a = writes.create(RELEASE, world["agent_a"], {"title": "Spring release", "team": world["team_service_desk"]})
    Ticket.objects.filter(pk=a.pk).update(requester=world["requester_a"])  # end users still never see releases
    return {"a": a, "b": writes.create(RELEASE, world["agent_b"], {"title": "Network refresh",
                                                                   "team": world["team_network"]})}


def make_request_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from catalog import services
    from catalog.models import CatalogCategory, CatalogItem

    category, _ = CatalogCategory.objects.get_or_create(slug="matrix", defaults={"name": "Matrix"})
    orders = {}
    for key, requester, service in (("a", "requester_a", "service_email"), ("b", "requester_b", "service_vpn")):
        item, _ = CatalogItem.objects.get_or_create(slug=f"matrix-{key}", defaults={
            "name": f"Item {key}", "category": category, "short_description": "x", "service": world[service]})
        orders[key] = services.order(item, world[requester], {})
    return orders


def make_article_pair(world: dict[str, Any]) -> dict[str, Ticket]:
    from core import writes
    from knowledge.kind import ARTICLE
    from knowledge.models import KnowledgeBase

    kb, _ = KnowledgeBase.objects.get_or_create(slug="matrix", defaults={"name": "Matrix"})
    a = writes.create(ARTICLE, world["agent_a"], {"title": "Quota help", "body": "Archive old mail.",
                                                  "knowledge_base": kb, "team": world["team_service_desk"]})
    Ticket.objects.filter(pk=a.pk).update(requester=world["requester_a"])  # end users still never see drafts
    return {"a": a, "b": writes.create(ARTICLE, world["agent_b"], {"title": "Tunnel help", "body": "Reconnect.",
                                                                   "knowledge_base": kb,
                                                                   "team": world["team_network"]})}


SEEN = {"a": VISIBLE["inc_a"], "b": VISIBLE["inc_b"]}
DESK_SEEN = {"a": {"agent_a", "manager", "admin"}, "b": {"agent_b", "manager", "admin"}}
DESK_READS_ALL = {key: frozenset({"agent_a", "agent_b", "manager", "admin"}) for key in "ab"}  # knowledge articles
# kind key -> (API prefix, the two tickets: "a" seen by Acme and Service Desk, "b" by Globex and Network; who sees
# each)
KINDS = {
    "incident": ("incidents", make_incident_pair, SEEN),
    "chore": ("chores", make_chore_pair, SEEN),
    "problem": ("problems", make_problem_pair, DESK_SEEN),
    "change": ("changes", make_change_pair, DESK_SEEN),
    "ctask": ("change-tasks", make_change_task_pair, DESK_SEEN),
    "release": ("releases", make_release_pair, DESK_SEEN),
    "request": ("requests", make_request_pair, SEEN),
    "article": ("knowledge/drafts", make_article_pair, DESK_READS_ALL),
}


@pytest.fixture(name="world")
def world_fixture(request, users, org_acme, org_globex, make_incident, service_email, service_vpn, team_service_desk,
          team_network, token_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    chores = registered(ChoreKind())
    chores.__enter__()
    everyone = dict(users)
    everyone["colleague_a"] = UserFactory(username="colleague_a", organization=org_acme, role=Role.END_USER)
    everyone["colleague_b"] = UserFactory(username="colleague_b", organization=org_globex, role=Role.END_USER)
    yield {**everyone, "make_incident": make_incident, "service_email": service_email, "service_vpn": service_vpn,
           "team_service_desk": team_service_desk, "team_network": team_network, "token_client": token_client}
    chores.__exit__(None, None, None)


def client(world: dict[str, Any], role: str) -> APIClient:
    return APIClient() if role == "anonymous" else world["token_client"](world[role])


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_child_endpoint_for_every_role_and_kind(world, kind, endpoint, role, target):
    prefix, make_pair, seen = KINDS[kind]
    tickets = make_pair(world)
    ticket = tickets[target]
    other = tickets["a" if target == "b" else "b"]
    before = (ticket.version, JournalEntry.objects.filter(ticket_id=ticket.pk).count())
    visible = role in seen[target]
    body = endpoint.body() if endpoint.body else None
    if body and body.get("target") == "PLACEHOLDER":
        body["target"] = other.number if role in seen["a" if target == "b" else "b"] else ticket.number

    url = f"/api/v1/{prefix}/{ticket.number}/{endpoint.path}"
    caller = client(world, role)
    if endpoint.method == "get":
        response = caller.get(url)
    else:
        response = caller.post(url, body or {}, format="multipart" if endpoint.multipart else "json")

    expected = 401 if role == "anonymous" else 404 if not visible else endpoint.overrides.get(role, endpoint.ok)
    if endpoint.name == "link" and expected == 201 and body["target"] == ticket.number:
        expected = 400  # the caller sees no other ticket to link to: linking to itself is refused
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    after = Ticket.objects.get(pk=ticket.pk)
    if expected >= 400 or endpoint.journal is None:  # a refusal (or a read) changes nothing and leaves no trace
        assert (after.version, JournalEntry.objects.filter(ticket_id=ticket.pk).count()) == before
    if expected == 404:
        assert ticket.title not in response.content.decode()
    if expected < 400 and endpoint.journal is not None:
        entry_kind, name = endpoint.journal
        if entry_kind == "comment" and not kinds.of(ticket).end_users_see:
            entry_kind = "work_note"  # a kind end users never see keeps every comment in the desk
        assert JournalEntry.objects.filter(ticket_id=ticket.pk, kind=entry_kind, field=name,
                                           actor=world[role]).exists()
