"""Lists keep their capped count in Redis until a ticket changes (core.count_cache): a reload does not count
again, and every change that can alter what a list holds makes the next request count afresh."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import count_cache
from core import services as core_services
from core.breaker import redis_breaker

pytestmark = pytest.mark.django_db

API = "/api/v1/incidents/"


def counted(client, url: str) -> tuple[int, bool]:
    """The list's count, and whether the request ran a COUNT query."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.json()["count"], any("COUNT(*)" in q["sql"] for q in ctx.captured_queries)


def test_a_reload_reads_the_kept_count(api_client, agent_a, requester_a, make_incident):
    for n in range(3):
        make_incident(requester_a, title=f"Printer {n}")
    api_client.force_authenticate(agent_a)
    assert counted(api_client, API) == (3, True)
    assert counted(api_client, API) == (3, False)
    assert counted(api_client, f"{API}?q=printer") == (3, True)  # another list, another count


def test_a_new_or_changed_ticket_is_counted_at_once(api_client, agent_a, requester_a, make_incident):
    first = make_incident(requester_a)
    api_client.force_authenticate(agent_a)
    assert counted(api_client, f"{API}?active=true") == (1, True)
    make_incident(requester_a)
    assert counted(api_client, f"{API}?active=true") == (2, True)
    first.active = False
    first.save(update_fields=["active"])
    assert counted(api_client, f"{API}?active=true") == (1, True)


def test_counts_are_per_person(api_client, agent_a, agent_b, requester_a, make_incident):
    make_incident(requester_a)  # the Service Desk's (agent_a's team), not the Network's
    api_client.force_authenticate(agent_a)
    assert counted(api_client, API)[0] == 1
    api_client.force_authenticate(agent_b)
    assert counted(api_client, API) == (0, True)


def test_a_watcher_or_a_new_team_changes_what_an_agent_counts(api_client, agent_a, agent_b, requester_a,
                                                            make_incident, team_service_desk):
    incident = make_incident(requester_a)
    api_client.force_authenticate(agent_b)
    assert counted(api_client, API)[0] == 0
    core_services.add_watcher(incident, agent_b, agent_a)
    assert counted(api_client, API) == (1, True)
    core_services.remove_watcher(incident, agent_b, agent_a)
    assert counted(api_client, API) == (0, True)
    agent_b.teams.add(team_service_desk)
    assert counted(api_client, API) == (1, True)


def test_the_queue_page_and_the_home_counts_are_kept_too(client, agent_a, requester_a, make_incident):
    make_incident(requester_a)
    client.force_login(agent_a)
    url = reverse("agent-incidents") + "?queue=open"
    with CaptureQueriesContext(connection) as first:
        assert "1 incident" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        assert "1 incident" in client.get(url).content.decode()
    assert any("COUNT(*)" in q["sql"] for q in first.captured_queries)
    assert not any("COUNT(*)" in q["sql"] for q in second.captured_queries)


def test_without_redis_lists_count_in_sql(api_client, agent_a, requester_a, make_incident, monkeypatch):
    make_incident(requester_a)
    api_client.force_authenticate(agent_a)
    redis_breaker.failure(OSError("Redis is down"))
    try:
        assert counted(api_client, API) == (1, True)
        assert counted(api_client, API) == (1, True)
    finally:
        redis_breaker.reset()


def test_a_lost_generation_starts_a_new_one(api_client, agent_a, requester_a, make_incident):
    make_incident(requester_a)
    api_client.force_authenticate(agent_a)
    assert counted(api_client, API) == (1, True)
    from django.core.cache import cache

    cache.delete(count_cache.GENERATION_KEY)  # Redis evicted it: the kept counts must not be read again
    assert counted(api_client, API) == (1, True)
    assert counted(api_client, API) == (1, False)


def test_each_request_reads_the_kept_count_though_it_loads_the_user_afresh(
        token_client, agent_b, agent_a, requester_a, make_incident):
    incidents = [make_incident(requester_a) for _ in range(3)]
    for incident in reversed(incidents):  # watched tickets are part of the access rule's SQL, in a stable order
        core_services.add_watcher(incident, agent_b, agent_a)
    client = token_client(agent_b)  # a token: the user (and what they watch) is read on every request
    assert counted(client, API) == (3, True)
    assert counted(client, API) == (3, False)


def test_the_caches_leave_djangos_fast_deletes_alone(db):
    """Receivers for every model would make Django load and signal each row it deletes (the idempotency purge,
    the outbox): the caches listen to their own models only."""
    from django.db.models.deletion import Collector

    from core.models import IdempotencyKey, OutboxTask

    collector = Collector(using="default")
    assert collector.can_fast_delete(IdempotencyKey.objects.all())
    assert collector.can_fast_delete(OutboxTask.objects.all())


def test_no_list_of_agents_is_kept_for_a_team_that_does_not_exist(agent_a, team_service_desk):
    from core import reference_cache
    from core.people import team_agent_choices

    assert team_agent_choices([team_service_desk.pk]) == [(agent_a.pk, agent_a.display_name)]
    kept = set(reference_cache._cache)
    assert team_agent_choices([987654321]) == []
    assert set(reference_cache._cache) == kept
