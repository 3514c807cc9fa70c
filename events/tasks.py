"""Celery tasks of event management: thin wrappers around events.processing."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import ItsmTask

log = logging.getLogger(__name__)


@shared_task(base=ItsmTask, name="events.tasks.process")
def process(event_ids: list[int]) -> dict[str, int]:
    """Process the stored events of one webhook call, each in its own transaction (idempotent: an event already
    processed is skipped). An event that fails is logged and left waiting; the others go on. How many ended in
    each state."""
    from events import processing

    states: dict[str, int] = {}
    failed = 0
    for event_id in event_ids:
        try:
            state = processing.process(event_id)
        except (ConnectionError, TimeoutError):
            raise  # transient: the whole task is retried, the events done so far are skipped
        except Exception:
            log.exception("event %s could not be processed", event_id)
            failed += 1
            continue
        if state:
            states[state] = states.get(state, 0) + 1
    if failed:
        states["failed"] = failed
    return states


@shared_task(base=ItsmTask, name="events.tasks.sweep_waiting")
def sweep_waiting(older_than_seconds: int = 60, batch: int = 500) -> int:
    """Run by beat: process the events still waiting `older_than_seconds` after they arrived (their task was never
    published, or was lost); how many it found. Processing is idempotent, so a late original task does no harm."""
    from datetime import timedelta

    from core import clock
    from events.choices import EventState
    from events.models import Event

    cutoff = clock.now() - timedelta(seconds=older_than_seconds)
    ids = list(Event.objects.filter(state=EventState.RECEIVED, received_at__lt=cutoff)
               .order_by("received_at").values_list("pk", flat=True)[:batch])
    if ids:
        process(ids)
    return len(ids)
