"""The role x object matrix of the base ticket API (core.api.viewsets.TicketViewSet), written once and run for
every kind that has it: incidents, problems, changes, change tasks and releases (which end users never reach: 403
before any lookup).

Each endpoint is a row per kind: method and path under /api/v1/{kind}/{number}/, a body, the status a caller who
may use it gets, the roles that get something else, the roles refused whatever the ticket, and the journal entry
a successful write leaves. Every row runs for every role against two tickets of the kind (one in the caller's
sight, one outside it: 404 and nothing changes) and anonymously (401). The list holds exactly what each role may
see, and the list and the detail cost the same number of queries whatever the number of rows, watchers and links.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import services as core_services
from core.models import JournalEntry, Ticket
from tests.core.test_child_matrix import KINDS, Endpoint, client, world_fixture  # noqa: F401  (registers `world`)
from tests.incidents.api_support import END_USERS, ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.chore_urls")]


NO_TEAM = {"manager": 400, "admin": 400}  # take: they belong to no team
DESK_ONLY = frozenset(END_USERS)
ENDPOINTS = {
    "incident": [
        Endpoint("detail", "get", "", 200),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"title": "Renamed", "version": t.version},
                 overrides={"colleague_a": 403, "colleague_b": 403}, journal=("field_change", "title")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "in_progress"},
                 overrides=dict.fromkeys(END_USERS, 400), journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "problem": [
        Endpoint("detail", "get", "", 200, refused=DESK_ONLY),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"root_cause": "Found.", "version": t.version},
                 refused=DESK_ONLY, journal=("field_change", "root_cause")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "assessment"},
                 refused=DESK_ONLY, journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "change": [
        Endpoint("detail", "get", "", 200, refused=DESK_ONLY),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"backout_plan": "Roll back.", "version": t.version},
                 refused=DESK_ONLY, journal=("field_change", "backout_plan")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "cancelled"},
                 refused=DESK_ONLY, journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "ctask": [
        Endpoint("detail", "get", "", 200, refused=DESK_ONLY),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"order": 7, "version": t.version},
                 refused=DESK_ONLY, journal=("field_change", "order")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "done", "close_notes": "Done."},
                 refused=DESK_ONLY, journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "request": [
        Endpoint("detail", "get", "", 200),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "in_progress"},
                 overrides=dict.fromkeys(END_USERS, 400), journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "article": [
        Endpoint("detail", "get", "", 200, refused=DESK_ONLY),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"keywords": "quota", "version": t.version},
                 refused=DESK_ONLY, journal=("field_change", "keywords")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "review"},
                 refused=DESK_ONLY, journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
    "release": [
        Endpoint("detail", "get", "", 200, refused=DESK_ONLY),
        Endpoint("patch", "patch", "", 200, body=lambda t: {"release_version": "2027.1", "version": t.version},
                 refused=DESK_ONLY, journal=("field_change", "release_version")),
        Endpoint("transition", "post", "transition/", 200, body=lambda t: {"state": "build"},
                 refused=DESK_ONLY, journal=("field_change", "state")),
        Endpoint("take", "post", "take/", 200, refused=DESK_ONLY, overrides=NO_TEAM,
                 journal=("field_change", "assignee")),
    ],
}
CASES = [(kind, endpoint) for kind, rows in ENDPOINTS.items() for endpoint in rows]


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "endpoint"), CASES, ids=[f"{k}-{e.name}" for k, e in CASES])
def test_every_ticket_endpoint_for_every_role_and_kind(world, kind, endpoint, role, target):
    prefix, make_pair, seen = KINDS[kind]
    ticket = make_pair(world)[target]
    before = (ticket.version, JournalEntry.objects.filter(ticket_id=ticket.pk).count())
    caller = client(world, role)
    url = f"/api/v1/{prefix}/{ticket.number}/{endpoint.path}"
    body = endpoint.body(ticket) if endpoint.body else {}
    response = caller.get(url) if endpoint.method == "get" else getattr(caller, endpoint.method)(url, body,
                                                                                                  format="json")

    if role == "anonymous":
        expected = 401
    elif role in endpoint.refused:
        expected = 403
    elif role not in seen[target]:
        expected = 404
    else:
        expected = endpoint.overrides.get(role, endpoint.ok)
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    after = Ticket.objects.get(pk=ticket.pk)
    if expected >= 400 or endpoint.journal is None:  # a refusal (or a read) changes nothing and leaves no trace
        assert (after.version, JournalEntry.objects.filter(ticket_id=ticket.pk).count()) == before
    if expected in (403, 404):
        assert ticket.title not in response.content.decode()
    if expected < 400 and endpoint.journal is not None:
        entry_kind, name = endpoint.journal
        assert JournalEntry.objects.filter(ticket_id=ticket.pk, kind=entry_kind, field=name,
                                           actor=world[role]).exists()


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_the_list_holds_exactly_what_the_role_sees(world, kind, role):
    prefix, make_pair, seen = KINDS[kind]
    tickets = make_pair(world)
    response = client(world, role).get(f"/api/v1/{prefix}/")
    if kind in ("problem", "change", "ctask", "release", "article") and role in END_USERS:
        assert response.status_code == 403
        return
    body = response.json()
    expected = {t.number for key, t in tickets.items() if role in seen[key]}
    assert {row["number"] for row in body["results"]} == expected
    assert body["count"] == len(expected)


def queries(caller, url: str) -> int:
    caller.get(url)  # warm: the token's once-a-minute "last used" stamp is not the page's cost
    with CaptureQueriesContext(connection) as captured:
        assert caller.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_the_list_and_the_detail_cost_the_same_queries_whatever_their_size(world, kind):
    prefix, make_pair, _seen = KINDS[kind]
    tickets = make_pair(world)
    caller = client(world, "manager")
    list_url, detail_url = f"/api/v1/{prefix}/", f"/api/v1/{prefix}/{tickets['a'].number}/"
    small = queries(caller, list_url), queries(caller, detail_url)
    for _ in range(5):
        more = make_pair(world)
        core_services.add_watcher(tickets["a"], world["agent_b"], world["manager"])
        core_services.link_tickets(tickets["a"], more["b"], "related", world["manager"])
        core_services.add_watcher(tickets["a"], world[f"agent_{'a' if _ % 2 else 'b'}"], world["manager"])
    large = queries(caller, list_url), queries(caller, detail_url)
    assert large == small
