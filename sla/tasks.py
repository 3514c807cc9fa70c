"""Celery tasks of SLA management: the sweep (beat, every few seconds) and the escalation e-mails."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask, MailTask


@shared_task(base=ItsmTask, name="sla.tasks.sweep")
def sweep() -> dict[str, int]:
    """Record due warnings and breaches exactly once and escalate them (idempotent; safe to overlap)."""
    from sla.sweep import sweep as run

    return run()


@shared_task(base=MailTask, name="sla.tasks.send_sla_notification")
def send_sla_notification(event_id: int, action: str) -> int:
    """E-mail the people an SLA event's action names; each address at most once per event and action."""
    from sla.notifications import send

    return send(event_id, action)
