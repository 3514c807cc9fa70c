"""A real Celery worker, started by the test, runs tasks through the real Redis broker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from core import health
from core.tasks import enqueue_on_commit, ping
from tests.celery_support import start_worker, stop_worker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """A real worker process on the test PostgreSQL and Redis databases."""
    proc = start_worker("core")
    yield proc
    stop_worker(proc)


def test_worker_runs_a_task_through_redis(worker):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    result = ping.delay("hello")
    assert result.get(timeout=30) == "hello"
    assert health.check_worker()[0] is True


def test_task_is_enqueued_only_after_commit(worker):
    from core.tasks import scheduler_heartbeat

    redis = health.redis_client()
    redis.delete(health.SCHEDULER_KEY)
    with transaction.atomic():
        enqueue_on_commit(scheduler_heartbeat)
        time.sleep(1.5)
        # still inside the transaction: nothing was sent, so nothing ran
        assert redis.get(health.SCHEDULER_KEY) is None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and redis.get(health.SCHEDULER_KEY) is None:
        time.sleep(0.1)
    assert redis.get(health.SCHEDULER_KEY) is not None


def test_rolled_back_transaction_sends_nothing(worker):
    from core.tasks import scheduler_heartbeat

    redis = health.redis_client()
    redis.delete(health.SCHEDULER_KEY)
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(scheduler_heartbeat)
        raise RuntimeError("rollback")
    ping.delay("sync").get(timeout=30)  # the worker has drained the queue up to here
    assert redis.get(health.SCHEDULER_KEY) is None
