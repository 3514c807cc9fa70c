"""Celery tasks of the core, and the base every task of the project uses.

Tasks are thin wrappers around service functions, idempotent (safe to run twice: acks are late and a lost
worker's task is delivered again), and retried a bounded number of times with backoff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from core import health, outbox


class ItsmTask(Task):
    """Late acks, re-delivery on worker loss, at most 5 retries with exponential backoff on transient errors."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError, OSError)
    max_retries = 5
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True


class MailTask(ItsmTask):
    """A notification e-mail: SMTP and connection errors (all OSErrors) are retried with backoff, at most
    NOTIFICATION_MAX_RETRIES times; `core.notifications.send_once` records each failure (retrying, then failed)
    and makes a retry send nothing twice."""

    retry_backoff_max = 600

    # Celery reads these per retry; properties keep the settings (and a test's override) live.
    @property
    def max_retries(self) -> int:  # type: ignore[override]  # read at retry time, so the setting (and a test's override) applies
        from django.conf import settings

        return settings.NOTIFICATION_MAX_RETRIES

    @property
    def retry_backoff(self) -> int:  # type: ignore[override]
        from django.conf import settings

        return settings.NOTIFICATION_RETRY_BACKOFF


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` only once the current transaction commits (and never if it rolls back).

    Goes through the outbox (core.outbox): recorded in this transaction, so a broker outage delays the task
    but never loses it.
    """
    outbox.enqueue(task, args, kwargs)


@shared_task(base=ItsmTask, name="core.tasks.scheduler_heartbeat")
def scheduler_heartbeat() -> None:
    """Run by beat every few seconds: proves beat, the broker and a worker are all alive."""
    health.record_scheduler_heartbeat()


@shared_task(base=ItsmTask, name="core.tasks.ping")
def ping(value: str = "pong") -> str:
    """A diagnostic task: answers its argument. Used by the health tests and `manage.py celery_ping`."""
    return value


@shared_task(base=ItsmTask, name="core.tasks.drain_outbox")
def drain_outbox() -> int:
    """Run by beat every few seconds: send the tasks whose publish failed (the broker was away)."""
    return outbox.drain()


@shared_task(base=ItsmTask, name="core.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Run by beat hourly: forget stored create answers older than 24 hours."""
    from core.models import IdempotencyKey

    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - timedelta(hours=24)).delete()
    return deleted


@shared_task(base=MailTask, name="core.tasks.send_desk_mail")
def send_desk_mail(kind_key: str, event: str, ticket_id: int, key: str, actor_id: int | None = None,
                   entry_id: int | None = None) -> int:
    """E-mail the desk members concerned by `event` on a ticket (core.desk_mail): once per address per key,
    never the actor."""
    from core.desk_mail import send

    return send(kind_key, event, ticket_id, key, actor_id, entry_id)


@shared_task(base=MailTask, name="core.tasks.send_approval_mail")
def send_approval_mail(approval_id: int, event: str, key: str, actor_id: int | None = None,
                       vote_ids: list[int] | None = None) -> int:
    """E-mail the approvers of an approval who have not decided yet (core.approvals): asked, or reminded."""
    from core.approvals import send

    return send(approval_id, event, key, actor_id, vote_ids)


@shared_task(base=ItsmTask, name="core.tasks.remind_approvers")
def remind_approvers() -> int:
    """Run by beat hourly: remind the approvers who have not decided within APPROVAL_REMINDER_HOURS."""
    from core.approvals import remind_pending

    return remind_pending()
