"""Celery tasks of incidents: thin, idempotent wrappers around services and notifications."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask, MailTask


@shared_task(base=MailTask, name="incidents.tasks.send_incident_notification")
def send_incident_notification(
    events: str | list[str], incident_id: int, entry_id: int | None, key: str, actor_id: int | None = None
) -> int:
    """E-mail the people concerned by one action's `events` on an incident: one mail per address per key,
    never to the actor. (`events` may be a single event name: tasks queued by an older release.)"""
    from incidents.notifications import send

    return send(events, incident_id, entry_id, key, actor_id)


@shared_task(base=MailTask, name="incidents.tasks.send_incident_digest")
def send_incident_digest(parts: list, key: str, actor_id: int | None = None) -> int:
    """E-mail the people concerned by one action on several incidents (a bulk action): one mail per address
    listing every incident they hear of; each address at most once per key, never the actor."""
    from incidents.notifications import send_all

    return send_all(parts, key, actor_id)


@shared_task(base=ItsmTask, name="incidents.tasks.auto_close_resolved")
def auto_close_resolved() -> int:
    """Beat: close incidents resolved longer ago than INCIDENT_AUTO_CLOSE_DAYS."""
    from incidents.services import auto_close_resolved as close

    return len(close())
