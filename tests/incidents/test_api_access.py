"""The role x object matrix of the incident API, declared once and run over every endpoint.

Each endpoint is a row: its method and path, a body, the status a caller who may use it gets, the roles that
get something else, and the journal entry a successful write leaves. Every row runs for every role against
two incidents: one in the caller's sight and one outside it (404, and nothing changes), anonymously (401).
A new endpoint gets the whole matrix by adding a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.models import JournalEntry
from incidents.models import Incident
from tests.incidents.api_support import API, END_USERS, ROLES, VISIBLE, World, history, upload, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # after /api/v1/incidents/{number}/
    ok: int
    body: Callable[[World, Incident], dict[str, Any]] | None = None
    multipart: bool = False
    # status for roles that see the incident but get something else than `ok`
    overrides: dict[str, int] = field(default_factory=dict)
    # roles refused whatever the incident (an action they may never use): 403 before any lookup
    refused: frozenset[str] = frozenset()
    # (kind, field) of the journal entry a success leaves; None for reads
    journal: tuple[str, str] | None = None


END_USERS_400 = dict.fromkeys(END_USERS, 400)
END_USERS_403 = dict.fromkeys(END_USERS, 403)

ENDPOINTS = [
    Endpoint("detail", "get", "", 200),
    Endpoint("patch", "patch", "", 200, body=lambda w, i: {"title": "Renamed", "version": i.version},
             overrides={"colleague_a": 403, "colleague_b": 403}, journal=("field_change", "title")),
    Endpoint("transition", "post", "transition/", 200, body=lambda w, i: {"state": "in_progress"},
             overrides=END_USERS_400, journal=("field_change", "state")),
    Endpoint("take", "post", "take/", 200, refused=frozenset(END_USERS),
             overrides={"manager": 400, "admin": 400},  # they belong to no team
             journal=("field_change", "assignee")),
]
# The child endpoints (comments, history, attachments, watchers, links) are the core's: their matrix runs for
# every kind in tests/core/test_child_matrix.py. Here they are only read with OPTIONS, HEAD and as HTML.
CHILD_READS = [
    Endpoint(name, "get", f"{name}/", 200, overrides=END_USERS_403 if name in ("watchers", "links") else {})
    for name in ("comments", "history", "attachments", "watchers", "links")
]


def expected_status(endpoint: Endpoint, role: str, visible: bool) -> int:
    if role == "anonymous":
        return 401
    if role in endpoint.refused:
        return 403
    if not visible:
        return 404
    return endpoint.overrides.get(role, endpoint.ok)


def call(world: World, role: str, endpoint: Endpoint, incident: Incident):
    client = world.client(role)
    url = f"{API}{incident.number}/{endpoint.path}"
    body = endpoint.body(world, incident) if endpoint.body else None
    if endpoint.method == "get":
        return client.get(url)
    return getattr(client, endpoint.method)(url, body or {}, format="multipart" if endpoint.multipart else "json")


@pytest.mark.parametrize("target", ["inc_a", "inc_b"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_endpoint_for_every_role(world, endpoint, role, target):
    incident = world.incidents[target]
    before_version = incident.version
    before_journal = JournalEntry.objects.filter(ticket_id=incident.pk).count()
    visible = role in VISIBLE[target]

    response = call(world, role, endpoint, incident)

    expected = expected_status(endpoint, role, visible)
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    after = world.refresh(target)
    if expected >= 400 or endpoint.journal is None:
        # a refusal (or a read) changes nothing and leaves no trace
        assert after.version == before_version
        assert JournalEntry.objects.filter(ticket_id=incident.pk).count() == before_journal
    if expected == 404:
        assert incident.title not in response.content.decode()
    if expected < 400 and endpoint.journal is not None:
        kind, name = endpoint.journal
        actor = world.users[role]
        entries = [e for e in history(world, incident) if e["kind"] == kind and e["field"] == name]
        assert entries and entries[-1]["actor"] == {"id": actor.pk, "name": actor.display_name}


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_list_holds_exactly_what_the_role_sees(world, role):
    response = world.client(role).get(API)
    assert response.status_code == 200
    body = response.json()
    expected = {world.incidents[key].number for key, seen_by in VISIBLE.items() if role in seen_by}
    assert {row["number"] for row in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize("param", ["q", "search"])
def test_text_search_and_number_search_leak_nothing(world, role, param):
    inc_b = world.incidents["inc_b"]
    client = world.client(role)
    for query in ("tunnel", inc_b.number, inc_b.number.lower()):
        body = client.get(API, {param: query}).json()
        expected = 1 if role in VISIBLE["inc_b"] else 0
        assert body["count"] == expected, query
        assert [row["number"] for row in body["results"]] == [inc_b.number] * expected


@pytest.mark.parametrize("role", ROLES[1:])
def test_filter_counts_leak_nothing(world, role):
    """Filtering on the other organization's requester or team still only counts what the caller sees."""
    inc_b = world.incidents["inc_b"]
    client = world.client(role)
    for params in ({"requester": inc_b.requester_id}, {"team": inc_b.team_id}, {"state": "new"}):
        response = client.get(API, params)
        body = response.json()
        if response.status_code == 400:  # someone they may not see is refused like someone who does not exist
            assert role not in VISIBLE["inc_b"] and list(body) == list(params)
            assert client.get(API, {"requester": 10**9}).json() == body
            continue
        numbers = {row["number"] for row in body["results"]}
        assert body["count"] == len(numbers)
        assert (inc_b.number in numbers) == (role in VISIBLE["inc_b"])


def test_anonymous_gets_401_on_lists_and_creation(world):
    client = world.client("anonymous")
    assert client.get(API).status_code == 401
    assert client.post(API, {"title": "x"}, format="json").status_code == 401
    assert not Incident.objects.filter(title="x").exists()


def test_a_watcher_sees_an_incident_of_another_organization(world):
    inc_b = world.incidents["inc_b"]
    requester_a = world.users["requester_a"]
    assert world.client("requester_a").get(f"{API}{inc_b.number}/").status_code == 404
    added = world.client("agent_b").post(f"{API}{inc_b.number}/watchers/", {"user": requester_a.pk}, format="json")
    assert added.status_code == 400 and "confirm" in added.json()["user"][0].lower()  # another organization
    added = world.client("agent_b").post(f"{API}{inc_b.number}/watchers/",
                                         {"user": requester_a.pk, "confirm_other_organization": True}, format="json")
    assert added.status_code == 201
    assert world.client("requester_a").get(f"{API}{inc_b.number}/").status_code == 200
    # ...and can stop watching, which hides it again
    removed = world.client("requester_a").delete(f"{API}{inc_b.number}/watchers/{requester_a.pk}/")
    assert removed.status_code == 204
    assert world.client("requester_a").get(f"{API}{inc_b.number}/").status_code == 404


def test_end_users_cannot_make_others_watch(world):
    inc_a = world.incidents["inc_a"]
    colleague = world.users["colleague_a"]
    response = world.client("requester_a").post(f"{API}{inc_a.number}/watchers/", {"user": colleague.pk},
                                                format="json")
    assert response.status_code == 403
    assert not inc_a.watchers.exists()


def test_end_users_do_not_get_the_desk_fields(world):
    inc_a = world.incidents["inc_a"]
    end_user = world.client("requester_a").get(f"{API}{inc_a.number}/").json()
    agent = world.client("agent_a").get(f"{API}{inc_a.number}/").json()
    hidden = {"impact", "channel", "major", "parent", "watchers", "links"}
    assert hidden <= set(agent)
    assert not hidden & set(end_user)
    assert end_user["number"] == agent["number"] and end_user["priority"] == agent["priority"]
    listed = world.client("requester_a").get(API).json()["results"]
    assert listed and not any(hidden & set(row) for row in listed)


@pytest.mark.parametrize("role", ["requester_a", "agent_a", "anonymous"])
@pytest.mark.parametrize("endpoint", [e for e in [*ENDPOINTS, *CHILD_READS] if e.method == "get"],
                         ids=lambda e: e.name)
def test_options_head_and_the_browsable_api_never_fail(world, endpoint, role):
    client = world.client(role)
    path = f"{API}{world.incidents['inc_a'].number}/{endpoint.path}"
    for response in (client.options(path), client.head(path), client.get(path, HTTP_ACCEPT="text/html")):
        assert response.status_code in (200, 401, 403), (response.status_code, response.content[:300])
