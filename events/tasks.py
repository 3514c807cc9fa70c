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
