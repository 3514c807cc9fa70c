"""Celery tasks of problems: thin, idempotent wrappers around the notifications."""

from __future__ import annotations

from celery import shared_task

from core.tasks import MailTask


@shared_task(base=MailTask, name="problems.tasks.send_problem_notification")
def send_problem_notification(event: str, problem_id: int, key: str, actor_id: int | None = None,
                              entry_id: int | None = None) -> int:
    """E-mail the desk members concerned by `event` on a problem: once per address per key, never the actor."""
    from problems.notifications import send

    return send(event, problem_id, key, actor_id, entry_id)
