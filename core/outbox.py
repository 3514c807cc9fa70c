"""The task outbox: side effects of a write survive a broker outage.

Why an outbox table and not "retry the publish after commit": the row is written in the same transaction as
the change, so once the change is acknowledged its tasks are in PostgreSQL whatever happens next (Redis away,
the web process killed between commit and publish). Right after commit the task is published at once (a
short, bounded attempt, skipped while the Redis circuit breaker is open) and its row deleted; rows left
behind are sent by `drain`, which beat runs every few seconds (and which therefore runs as soon as the broker
is back). A task may be delivered twice (published, then the delete fails): every task is idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from core.breaker import redis_breaker
from core.models import OutboxTask

log = logging.getLogger(__name__)

# One quick retry (a pooled connection may be stale after a Redis restart), never a long wait in a request.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Rows younger than this are left to the publish right after their commit.
DRAIN_GRACE = timedelta(seconds=5)


def enqueue(task: Task | str, args: tuple | list = (), kwargs: dict[str, Any] | None = None) -> OutboxTask:
    """Record `task(*args, **kwargs)` in the current transaction; publish it once (and if) it commits."""
    row = OutboxTask.objects.create(task=getattr(task, "name", task), args=list(args), kwargs=kwargs or {})
    transaction.on_commit(lambda: publish_and_forget(row))
    return row


def send(row: OutboxTask) -> str | None:
    """Hand one row's task to the broker: None when sent, else why not (and the breaker is opened)."""
    if not redis_breaker.allow():
        return "Redis is unreachable (circuit breaker open)"
    task = current_app.tasks.get(row.task)
    try:
        if task is not None:
            task.apply_async(args=row.args, kwargs=row.kwargs, ignore_result=True, retry=True,
                             retry_policy=PUBLISH_RETRY_POLICY)
        else:
            current_app.send_task(row.task, args=row.args, kwargs=row.kwargs, ignore_result=True, retry=True,
                                  retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # any broker failure leaves the row for the drain
        redis_breaker.failure(exc)
        log.warning("task %s kept in the outbox (row %s): %s", row.task, row.pk, exc)
        return f"{type(exc).__name__}: {exc}"
    redis_breaker.success()
    return None


def publish_and_forget(row: OutboxTask) -> None:
    """After commit: send the row's task and delete the row; on any failure the row stays for `drain`."""
    if send(row) is None:
        try:
            OutboxTask.objects.filter(pk=row.pk).delete()
        except DatabaseError as exc:
            log.warning("outbox row %s sent but not deleted (it may be sent again): %s", row.pk, exc)


def drain(batch: int = 200) -> int:
    """Send the rows older than DRAIN_GRACE, oldest first, until the broker refuses; returns how many were sent.

    Rows are claimed with SKIP LOCKED, so two drains at once never send the same row.
    """
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                OutboxTask.objects.select_for_update(skip_locked=True)
                .filter(created_at__lte=timezone.now() - DRAIN_GRACE).order_by("created_at", "id")[:batch]
            )
            if not rows:
                return sent
            done = []
            for row in rows:
                error = send(row)
                if error is not None:
                    OutboxTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=error)
                    break
                done.append(row.pk)
            OutboxTask.objects.filter(pk__in=done).delete()
        sent += len(done)
        if len(done) < len(rows):
            return sent
