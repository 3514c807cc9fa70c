"""The SLA sweep: record each warning and breach exactly once, then run the escalation actions.

Step 1 (`record_due`) claims running timers whose `next_event_at` has come, in batches, with
SELECT ... FOR UPDATE SKIP LOCKED on the partial index `sla_timer_due`; for each it inserts the events of the
thresholds reached (unique per timer and threshold: a duplicate is ignored) and moves `next_event_at` to
the next threshold. Step 2 (`run_pending_actions`) claims events whose actions have not run yet, locks the
ticket (then its timers: the same order as the ticket services), runs the actions, and marks the event
done in the same transaction. Both steps are idempotent: two workers, a duplicated beat or a re-delivered
task change nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from core import clock
from sla.models import BREACH, EventKind, SlaEvent, SlaTimer, Stage
from sla.services import schedule_next_event, share_calendars

log = logging.getLogger(__name__)


def claim_due(now: datetime, batch: int = 500):
    """The claim query (also used by the benchmark's EXPLAIN): due running timers, oldest first, locked."""
    return (
        SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(stage=Stage.IN_PROGRESS, next_event_at__isnull=False, next_event_at__lte=now)
        .order_by("next_event_at")[:batch]
    )


def record_due(now: datetime | None = None, batch: int | None = None) -> int:
    """Record the thresholds reached by due timers; returns how many events were recorded."""
    now = now or clock.now()
    batch = batch or settings.SLA_SWEEP_BATCH
    recorded = 0
    while True:
        with transaction.atomic():
            timers = list(claim_due(now, batch).select_related("definition__schedule"))
            if not timers:
                return recorded
            recorded += _record_batch(timers, now)
        if len(timers) < batch:
            return recorded


def _record_batch(timers: list[SlaTimer], now: datetime) -> int:
    """Record one claimed batch in a handful of queries: the recorded thresholds in one read, each schedule's
    calendar built once, the new events in one insert and the timers in one update. The timers are locked by
    the claim, so nobody else records events for them meanwhile (the unique constraint still guards)."""
    done: dict[int, set[int]] = {t.pk: set() for t in timers}
    for timer_id, threshold in SlaEvent.objects.filter(timer_id__in=done).values_list("timer_id", "threshold"):
        done[timer_id].add(threshold)
    share_calendars(timers)
    events: list[SlaEvent] = []
    for timer in timers:
        events += _record_timer(timer, now, done[timer.pk])
    SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    SlaTimer.objects.bulk_update(timers, ["elapsed", "elapsed_as_of", "breached", "breached_at", "next_event_at",
                                          "next_threshold", "updated_at"])
    return len(events)


def _record_timer(timer: SlaTimer, now: datetime, done: set[int]) -> list[SlaEvent]:
    """The events a timer has reached since its last sweep; moves the timer's columns on (saved by the caller)."""
    elapsed = timer.elapsed_at(now)
    events = []
    for threshold in [*timer.thresholds, BREACH]:
        if threshold in done:
            continue
        goal = timer.duration * threshold / 100
        reached = elapsed > goal if threshold == BREACH else elapsed >= goal
        if not reached:
            break
        when = _reached_at(timer, goal)
        events.append(SlaEvent(
            timer=timer, kind=EventKind.BREACH if threshold == BREACH else EventKind.WARNING,
            threshold=threshold, due_at=when, recorded_at=now,
            actions=[{"action": a, "done": False} for a in actions_for(timer, threshold)],
            actions_done=not actions_for(timer, threshold),
        ))
        done.add(threshold)
        if threshold == BREACH:
            timer.breached = True
            timer.breached_at = when
    # fold the time counted so far, then point at the next threshold
    timer.elapsed, timer.elapsed_as_of = elapsed, max(now, timer.elapsed_as_of)
    schedule_next_event(timer, done)
    timer.updated_at = now
    return events


def _reached_at(timer: SlaTimer, goal: timedelta) -> datetime:
    """The instant the running clock reached `goal` (the timer has not paused since `elapsed_as_of`)."""
    from sla import business_time

    if goal <= timer.elapsed:
        return timer.elapsed_as_of
    return business_time.add(timer.business, timer.elapsed_as_of, goal - timer.elapsed)


def actions_for(timer: SlaTimer, threshold: int) -> list[str]:
    actions = timer.definition.actions or {}
    return list(actions.get(str(threshold), []))


def run_pending_actions(batch: int | None = None) -> int:
    """Run the actions of recorded events that have not run yet. Returns how many events were handled."""
    from sla.actions import run_event_actions

    batch = batch or settings.SLA_SWEEP_BATCH
    handled = 0
    while True:
        with transaction.atomic():
            events = list(
                SlaEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(actions_done=False)
                .select_related("timer__definition", "timer__ticket")
                .order_by("recorded_at", "id")[:batch]
            )
            for event in events:
                run_event_actions(event)
                handled += 1
        if len(events) < batch:
            return handled


def sweep(now: datetime | None = None) -> dict[str, int]:
    """One pass of the sweep (the beat task): record what is due, then escalate."""
    recorded = record_due(now)
    escalated = run_pending_actions()
    if recorded or escalated:
        log.info("SLA sweep: %s event(s) recorded, %s escalated", recorded, escalated)
    return {"recorded": recorded, "escalated": escalated}
