"""Concurrent API requests against the real database: real threads, each with its own connection.

Each thread waits at a barrier so the requests really overlap, and closes its database connection at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import JournalEntry, JournalKind
from incidents.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/incidents/"


def run_at_once(requests: list[Callable[[], Any]]) -> list[Any]:
    """Run every callable in its own thread, released together; return their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)
    errors: list[BaseException] = []

    def worker(index: int, request: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = request()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def post(client: APIClient, path: str, body: dict) -> Callable[[], Any]:
    return lambda: client.post(path, body, format="json")


def patch(client: APIClient, path: str, body: dict) -> Callable[[], Any]:
    return lambda: client.patch(path, body, format="json")


def test_twenty_comments_at_once_are_all_kept(token_client, make_incident, requester_a, agent_a):
    incident = make_incident(requester_a)
    people = [agent_a, requester_a] * 10
    requests = [post(token_client(user), f"{API}{incident.number}/comments/", {"body": f"comment {i}"})
                for i, user in enumerate(people)]
    responses = run_at_once(requests)
    assert [r.status_code for r in responses] == [201] * 20
    listed = token_client(agent_a).get(f"{API}{incident.number}/comments/").json()
    assert listed["count"] == 20
    assert sorted(e["body"] for e in listed["results"]) == sorted(f"comment {i}" for i in range(20))


@pytest.mark.parametrize("round_", range(3))
def test_two_patches_from_one_version_one_wins_one_conflicts(token_client, make_incident, requester_a, agent_a, round_):
    incident = make_incident(requester_a)
    changes = [{"title": "Renamed by A"}, {"urgency": 1}]
    requests = [patch(token_client(agent_a), f"{API}{incident.number}/", {**change, "version": 1})
                for change in changes]
    responses = run_at_once(requests)
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    loser = 1 - winner
    after = Incident.objects.get(pk=incident.pk)
    assert after.version == 2
    # the winner's field is there, the loser's is not (nothing half-applied), and the journal agrees
    assert (after.title == "Renamed by A") == (winner == 0)
    assert (after.urgency == 1) == (winner == 1)
    fields = set(JournalEntry.objects.filter(ticket_id=incident.pk, kind=JournalKind.FIELD_CHANGE)
                 .values_list("field", flat=True))
    assert ("title" in fields) == (winner == 0) and ("urgency" in fields) == (winner == 1)
    # the loser re-reads and applies its change: both changes are kept
    retry = token_client(agent_a).patch(f"{API}{incident.number}/", {**changes[loser], "version": 2},
                                           format="json")
    assert retry.status_code == 200
    after = Incident.objects.get(pk=incident.pk)
    assert (after.title, after.urgency, after.priority, after.version) == ("Renamed by A", 1, 3, 3)


def test_numbers_stay_unique_under_concurrent_creates(token_client, requester_a, agent_a):
    people = [requester_a, agent_a] * 10
    requests = [post(token_client(user), API, {"title": f"Outage report {i}"}) for i, user in enumerate(people)]
    responses = run_at_once(requests)
    assert [r.status_code for r in responses] == [201] * 20
    numbers = [r.json()["number"] for r in responses]
    assert len(set(numbers)) == 20
    assert Incident.objects.filter(number__in=numbers).count() == 20
    assert sorted(Incident.objects.filter(title__startswith="Outage report").values_list("title", flat=True)) == \
        sorted(f"Outage report {i}" for i in range(20))


def test_concurrent_transitions_from_one_version_apply_once(token_client, make_incident, requester_a, agent_a, manager):
    incident = make_incident(requester_a)
    body = {"state": "resolved", "resolution_code": "solved", "resolution_notes": "Fixed", "version": 1}
    requests = [post(token_client(user), f"{API}{incident.number}/transition/", body) for user in
                (agent_a, manager, agent_a, manager)]
    responses = run_at_once(requests)
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    states = JournalEntry.objects.filter(ticket_id=incident.pk, field="state", new_value="resolved")
    assert states.count() == 1
