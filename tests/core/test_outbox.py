"""The task outbox: an acknowledged write keeps its tasks while the broker (Redis) is away, and they are sent
once it is back. The broker is "stopped" by a TCP proxy in front of the real Redis (tests/fault_proxy.py)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import transaction

from core import health, outbox
from core.breaker import redis_breaker
from core.models import OutboxTask
from core.tasks import drain_outbox, enqueue_on_commit, ping
from incidents import services
from itsm.celery import app as celery_app
from tests.fault_proxy import FaultProxy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker():
    """The Celery app publishes through a FaultProxy in front of the test Redis; yields the proxy."""
    parts = urlsplit(settings.CELERY_BROKER_URL)
    with FaultProxy(parts.hostname, parts.port) as proxy:
        old_url = celery_app.conf.broker_url
        celery_app.conf.broker_url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}"))
        fresh_pools()
        try:
            yield proxy
        finally:
            celery_app.conf.broker_url = old_url
            fresh_pools()
            redis_breaker.reset()


def fresh_pools() -> None:
    """Make the app connect anew (to the current broker_url)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def queued_tasks() -> list[str]:
    """Names of the tasks waiting in the broker's default queue."""
    return [json.loads(raw)["headers"]["task"] for raw in health.redis_client().lrange("celery", 0, -1)]


def past_grace() -> None:
    OutboxTask.objects.update(created_at=OutboxTask.objects.values("created_at")[:1][0]["created_at"]
                              - outbox.DRAIN_GRACE - timedelta(seconds=1))


def test_a_task_is_published_after_commit_and_its_row_deleted(broker):
    with transaction.atomic():
        enqueue_on_commit(ping, "x")
        assert OutboxTask.objects.count() == 1
        assert queued_tasks() == []
    assert queued_tasks() == ["core.tasks.ping"]
    assert OutboxTask.objects.count() == 0


def test_a_rolled_back_write_leaves_nothing(broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(ping, "x")
        raise RuntimeError("rollback")
    assert OutboxTask.objects.count() == 0
    assert queued_tasks() == []


def test_a_write_acknowledged_while_the_broker_is_down_keeps_its_tasks(broker, make_incident, requester_a, agent_a):
    incident = make_incident(requester_a)
    OutboxTask.objects.all().delete()
    health.redis_client().delete("celery")  # not the creation's own mails
    broker.down()
    started = time.monotonic()
    services.take(incident, agent_a)  # commits, and must not fail because its notification cannot be sent
    assert time.monotonic() - started < 5
    kept = list(OutboxTask.objects.values_list("task", flat=True))
    assert kept and set(kept) == {"incidents.tasks.send_incident_notification"}
    assert redis_breaker.is_open

    broker.up()
    redis_breaker.reset()
    assert drain_outbox() == 0  # within the grace period the row is left to its own publish
    past_grace()
    assert drain_outbox() == len(kept)
    assert OutboxTask.objects.count() == 0
    assert queued_tasks() == kept


def test_the_drain_stops_at_the_first_refusal_and_records_it(broker):
    enqueue_on_commit(ping, "a")  # autocommit: published at once
    assert OutboxTask.objects.count() == 0
    broker.down()
    enqueue_on_commit(ping, "b")
    enqueue_on_commit(ping, "c")
    past_grace()
    redis_breaker.reset()
    assert outbox.drain() == 0
    first, second = OutboxTask.objects.order_by("id")
    assert first.attempts == 1 and first.last_error and second.attempts == 0
