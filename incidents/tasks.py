"""Celery tasks of incidents: thin, idempotent wrappers around services and notifications."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask


@shared_task(base=ItsmTask, name="incidents.tasks.send_incident_notification")
def send_incident_notification(event: str, incident_id: int, entry_id: int | None, key: str) -> int:
    """E-mail the people concerned by `event` on an incident; each address at most once per key."""
    from incidents.notifications import send

    return send(event, incident_id, entry_id, key)


@shared_task(base=ItsmTask, name="incidents.tasks.auto_close_resolved")
def auto_close_resolved() -> int:
    """Beat: close incidents resolved longer ago than INCIDENT_AUTO_CLOSE_DAYS."""
    from incidents.services import auto_close_resolved as close

    return len(close())
