"""What the incident API lets each role see and do beyond the generic matrices of every kind
(tests/core/test_ticket_matrix.py, tests/core/test_child_matrix.py): searches and filters that leak nothing,
watchers of another organization, the desk's fields, and OPTIONS/HEAD/HTML reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

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


END_USERS_403 = dict.fromkeys(END_USERS, 403)

# The detail, PATCH, transition and take of every kind (incidents included) are the core's: their role x object
# matrix, the list's contents and the query counts run for every kind in tests/core/test_ticket_matrix.py; the
# child endpoints (comments, history, attachments, watchers, links) in tests/core/test_child_matrix.py. Here they
# are only read with OPTIONS, HEAD and as HTML, with the incident's own rules below.
ENDPOINTS = [Endpoint("detail", "get", "", 200)]
CHILD_READS = [
    Endpoint(name, "get", f"{name}/", 200, overrides=END_USERS_403 if name in ("watchers", "links") else {})
    for name in ("comments", "history", "attachments", "watchers", "links")
]


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
