"""The SLA clock engine: record state spans, start/pause/resume/stop/cancel timers, compute due times.

`on_ticket_change(ticket)` runs in the same transaction as every change of a ticket (after the ticket row is
locked): core.services.commit sends `ticket_changed`, which `follow_ticket_change` receives, so timers always
agree with the ticket, whatever its kind. Timers are locked after the ticket (lock order: ticket, then its
timers), the same order the escalation step uses, so they never deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction

from core import clock, count_cache, kinds, reference_cache
from core.models import Ticket
from core.workflow import Workflow
from sla import business_time
from sla.conditions import matches, pauses
from sla.models import (
    BREACH,
    RUNNING_STAGES,
    Holiday,
    Schedule,
    SlaDefinition,
    SlaTimer,
    Stage,
    StateSpan,
    Target,
    WorkingHours,
)

log = logging.getLogger(__name__)


def share_calendars(timers: Iterable[SlaTimer], *, kept: bool = False) -> None:
    """Give timers on the same schedule one business calendar (built once: 2 queries per schedule, not per
    timer). Sets each timer's `business` cached property. `kept`: from this process's copy of the calendars
    (core.reference_cache: at most a minute late after an administrator edits a schedule, elsewhere than in the
    process that saved it), for what pages show; the SLA engine always reads them afresh."""
    calendars: dict[int, business_time.Schedule] = {}
    for timer in timers:
        schedule = timer.definition.schedule
        if schedule.pk not in calendars:
            calendars[schedule.pk] = (reference_cache.value(Schedule, f"calendar:{schedule.pk}", schedule.to_business)
                                      if kept else schedule.to_business())
        timer.__dict__["business"] = calendars[schedule.pk]


reference_cache.depends(Schedule, WorkingHours, Holiday)


def record_state(ticket: Ticket, at: datetime) -> None:
    """Close the open state span and open one for the ticket's current state and hold reason, if they changed."""
    hold = getattr(ticket, "hold_reason", "") or ""
    current = StateSpan.objects.filter(ticket_id=ticket.pk, ended_at__isnull=True).order_by("-started_at").first()
    if current is not None and current.state == ticket.state and current.hold_reason == hold:
        return
    if current is not None:
        StateSpan.objects.filter(pk=current.pk).update(ended_at=at)
    StateSpan.objects.create(ticket_id=ticket.pk, state=ticket.state, hold_reason=hold, started_at=at)


def applicable_definitions(ticket: Ticket, definitions: Iterable[SlaDefinition]) -> list[SlaDefinition]:
    """For each (agreement type, target), the first active definition (by order) whose start condition holds."""
    chosen: dict[tuple[str, str], SlaDefinition] = {}
    for definition in definitions:
        if not definition.active or definition.ticket_kind != ticket.kind:
            continue
        key = (definition.agreement_type, definition.target)
        if key not in chosen and matches(definition.start_condition or {}, ticket):
            chosen[key] = definition
    return list(chosen.values())


def stop_time(definition: SlaDefinition, ticket: Ticket) -> datetime | None:
    """When the definition's stop condition was met, or None while it is not."""
    if definition.target == Target.RESPONSE:
        return ticket.responded_at
    if _workflow(ticket).is_resolved(ticket.state):
        return ticket.resolved_at or ticket.closed_at
    return None


def _workflow(ticket: Ticket) -> Workflow:
    """The ticket kind's workflow: which states stop a resolution clock and which cancel every clock."""
    return kinds.get(ticket.kind).workflow


def active_definitions(kind: str) -> list[SlaDefinition]:
    return list(SlaDefinition.objects.filter(active=True, ticket_kind=kind).select_related("schedule"))


def follow_ticket_change(sender: type, ticket: Ticket, at: datetime, **kwargs: object) -> None:
    """Receiver of core.services.ticket_changed: bring the ticket's timers in step, in the write's transaction."""
    on_ticket_change(ticket, at)


def on_ticket_change(ticket: Ticket, at: datetime | None = None) -> list[SlaTimer]:
    """Bring the ticket's state history and timers up to date with its current fields (same transaction)."""
    at = at or clock.now()
    record_state(ticket, at)
    return refresh_timers(ticket, at)


@transaction.atomic
def refresh_timers(ticket: Ticket, at: datetime, definitions: list[SlaDefinition] | None = None) -> list[SlaTimer]:
    """Start, pause, resume, stop or cancel the ticket's timers so they match its fields and history.

    A definition that starts applying (a priority change) starts retroactively from the ticket's opening and
    counts the time the ticket spent paused under its pause condition; a running timer whose definition no
    longer applies is cancelled.
    """
    definitions = active_definitions(ticket.kind) if definitions is None else definitions
    applicable = applicable_definitions(ticket, definitions)
    timers = {
        t.definition_id: t
        for t in SlaTimer.objects.select_for_update().filter(ticket_id=ticket.pk).select_related("definition__schedule")
    }
    spans = list(StateSpan.objects.filter(ticket_id=ticket.pk).order_by("started_at", "id"))
    _copy_ticket_fields(ticket, timers.values())
    share_calendars(timers.values())
    touched = []
    wanted = {d.pk for d in applicable}
    for definition in applicable:
        timer = timers.get(definition.pk)
        if timer is None or timer.stage == Stage.CANCELLED:
            timer = _start(timer, ticket, definition)
        elif timer.stage not in RUNNING_STAGES:
            continue  # stopped timers keep their outcome
        _recompute(timer, ticket, spans, at)
        timer.save()
        if timer.stage == Stage.BREACHED:
            record_breach_found_at_stop(timer, at)
        touched.append(timer)
    if _workflow(ticket).is_cancelled(ticket.state):
        wanted = set()
    for definition_id, timer in timers.items():
        if definition_id not in wanted and timer.stage in RUNNING_STAGES:
            timer.stage = Stage.CANCELLED
            timer.stopped_at = at
            timer.next_event_at = None
            timer.next_threshold = None
            timer.save()
            touched.append(timer)
    _update_ticket_due(ticket, [*touched, *(t for t in timers.values() if t not in touched)])
    return touched


# The ticket's fields each timer carries for the reports (SlaTimer.ticket_kind, service, team, priority).
SNAPSHOT = (("ticket_kind", "kind"), ("service_id", "service_id"), ("team_id", "team_id"), ("priority", "priority"))


def snapshot_of(ticket: Ticket) -> dict[str, object]:
    return {timer_field: getattr(ticket, ticket_field) for timer_field, ticket_field in SNAPSHOT}


def _copy_ticket_fields(ticket: Ticket, timers: Iterable[SlaTimer]) -> None:
    """Keep every timer of the ticket (stopped ones too) carrying the ticket's kind, service, team and priority,
    so the reports group the period's timers without reading the tickets. One UPDATE, only when they differ."""
    values = snapshot_of(ticket)
    stale = [t for t in timers if any(getattr(t, name) != value for name, value in values.items())]
    if stale:
        SlaTimer.objects.filter(pk__in=[t.pk for t in stale]).update(**values)
        for timer in stale:
            for name, value in values.items():
                setattr(timer, name, value)


def _update_ticket_due(ticket: Ticket, timers: Iterable[SlaTimer]) -> None:
    """Keep `Ticket.sla_due_at` (queues sort and filter on it) = the nearest due time of running timers."""
    due = min((t.due_at for t in timers if t.stage == Stage.IN_PROGRESS and t.due_at is not None), default=None)
    if ticket.sla_due_at != due:
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)
        count_cache.tickets_changed()  # an update() sends no signal (lists filter on the due time)
        ticket.sla_due_at = due


def _start(timer: SlaTimer | None, ticket: Ticket, definition: SlaDefinition) -> SlaTimer:
    """A new timer (or a cancelled one started again) on the definition's current terms, from the opening."""
    timer = timer or SlaTimer(ticket_id=ticket.pk, definition=definition, **snapshot_of(ticket))
    timer.definition = definition
    timer.stage = Stage.IN_PROGRESS
    timer.started_at = ticket.opened_at
    timer.duration = definition.duration
    timer.thresholds = sorted(set(definition.thresholds or []))
    timer.elapsed = timedelta(0)
    timer.elapsed_as_of = ticket.opened_at
    timer.paused_total = timedelta(0)
    timer.paused_since = None
    timer.breached = False
    timer.breached_at = None
    timer.stopped_at = None
    if timer.pk:
        timer.events.all().delete()  # a restarted timer counts its thresholds afresh
    return timer


def _pause_intervals(definition: SlaDefinition, spans: list[StateSpan]) -> list[tuple[datetime, datetime | None]]:
    condition = definition.pause_condition or {}
    return [(s.started_at, s.ended_at) for s in spans if pauses(condition, s.state, s.hold_reason)]


def _recompute(timer: SlaTimer, ticket: Ticket, spans: list[StateSpan], at: datetime) -> None:
    schedule = timer.business
    stop = stop_time(timer.definition, ticket)
    end = max(timer.started_at, min(stop, at) if stop else at)
    pause_list = _pause_intervals(timer.definition, spans)
    total = business_time.elapsed(schedule, timer.started_at, end)
    running = business_time.elapsed_excluding(schedule, timer.started_at, end, pause_list)
    timer.elapsed = running
    timer.elapsed_as_of = end
    timer.paused_total = total - running
    open_pause = next((a for a, b in pause_list if b is None and a <= end), None)
    if stop is not None:
        timer.stopped_at = stop
        timer.paused_since = None
        timer.breached = timer.breached or running > timer.duration
        if timer.breached and timer.breached_at is None:
            timer.breached_at = _instant_of(timer, BREACH, pause_list)
        timer.stage = Stage.BREACHED if timer.breached else Stage.ACHIEVED
        timer.next_event_at = None
        timer.next_threshold = None
        if timer.due_at is None:
            timer.due_at = _instant_of(timer, BREACH, pause_list)
        return
    if open_pause is not None:
        timer.stage = Stage.PAUSED
        timer.paused_since = max(open_pause, timer.started_at)
        timer.due_at = None
        timer.next_event_at = None
        timer.next_threshold = None
        return
    timer.stage = Stage.IN_PROGRESS
    timer.paused_since = None
    try:
        timer.due_at = business_time.add(schedule, end, max(timer.duration - running, timedelta(0))) \
            if running <= timer.duration else (timer.breached_at or _instant_of(timer, BREACH, pause_list))
        schedule_next_event(timer)
    except business_time.ScheduleError:
        # a schedule with no working time for years: the clock cannot fall due; never fail the ticket's write
        log.warning("SLA timer %s: no working time ahead on schedule %s", timer.pk, timer.definition.schedule_id)
        timer.due_at = timer.next_event_at = timer.next_threshold = None


def _instant_of(timer: SlaTimer, percent: int, pause_list) -> datetime:
    """When the clock reached `percent` of the target, from its start, skipping pauses."""
    goal = timer.duration * percent / 100
    schedule = timer.business
    cursor, counted = timer.started_at, timedelta(0)
    for lo, hi in business_time.subtract_pauses([(timer.started_at, timer.elapsed_as_of)], pause_list,
                                                timer.elapsed_as_of):
        span = business_time.elapsed(schedule, lo, hi)
        if counted + span >= goal:
            return business_time.add(schedule, lo, goal - counted)
        counted += span
        cursor = hi
    return business_time.add(schedule, cursor, goal - counted)


def recorded_thresholds(timer: SlaTimer) -> set[int]:
    return set(timer.events.values_list("threshold", flat=True)) if timer.pk else set()


def schedule_next_event(timer: SlaTimer, recorded: set[int] | None = None) -> None:
    """Set `next_event_at` to the instant of the next threshold not yet recorded (None when all are)."""
    recorded = recorded_thresholds(timer) if recorded is None else recorded
    for threshold in [*timer.thresholds, BREACH]:
        if threshold in recorded:
            continue
        goal = timer.duration * threshold / 100
        remaining = goal - timer.elapsed
        if remaining < timedelta(0):
            timer.next_event_at = timer.elapsed_as_of  # already reached: due now
        else:
            when = business_time.add(timer.business, timer.elapsed_as_of, remaining)
            # a breach is strictly more than the target: the due second itself is still in time
            timer.next_event_at = when + timedelta(microseconds=1) if threshold == BREACH else when
        timer.next_threshold = threshold
        return
    timer.next_event_at = None
    timer.next_threshold = None


def record_breach_found_at_stop(timer: SlaTimer, at: datetime) -> None:
    """A timer that stops already past its target (resolved late before the sweep saw it, or while the sweep
    was down) gets its breach event too, so its escalation and notifications run (exactly once)."""
    from django.db import IntegrityError

    from sla.models import EventKind, SlaEvent
    from sla.sweep import actions_for

    if not timer.breached or timer.breached_at is None or timer.events.filter(threshold=BREACH).exists():
        return
    try:
        with transaction.atomic():
            SlaEvent.objects.create(
                timer=timer, kind=EventKind.BREACH, threshold=BREACH, due_at=timer.breached_at, recorded_at=at,
                actions=[{"action": a, "done": False} for a in actions_for(timer, BREACH)],
            )
    except IntegrityError:
        pass  # the sweep recorded it meanwhile
