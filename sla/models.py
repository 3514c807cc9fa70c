"""Service level management: schedules, SLA definitions, one timer per ticket and definition, and events.

Deadlines live in the database (`due_at`, `next_event_at` with a partial index on running timers), never
only in countdown tasks: the sweep (sla.sweep) claims what is due with SELECT ... FOR UPDATE SKIP LOCKED, so a
worker or beat restart loses nothing and the sweep's cost follows what is due, not what is open.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import validate_timezone
from core.limits import long_text
from core.models import TicketKind
from sla import business_time


class Schedule(models.Model):
    """When SLA clocks run: working hours per weekday in a time zone, minus holidays. `is_24x7` ignores hours."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_24x7 = models.BooleanField(default=False, help_text="The clock always runs (holidays ignored).")
    description = models.TextField(**long_text(blank=True))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def to_business(self) -> business_time.Schedule:
        """The pure-function schedule (sla.business_time) for this row, with its hours and holidays."""
        if self.is_24x7:
            return business_time.Schedule.always(self.time_zone)
        hours: dict[int, list[tuple[time, time]]] = {}
        for row in self.hours.all():
            hours.setdefault(row.weekday, []).append((row.start, row.end))
        holidays = frozenset(holiday.date for holiday in self.holidays.all())  # .all(): uses a prefetch if any
        return business_time.Schedule(ZoneInfo(self.time_zone), hours, holidays)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One working range of a weekday (several per day allowed). An end of 00:00 means midnight (24:00)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "working hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != time(0) and self.end <= self.start:
            raise ValidationError({"end": ["The end must come after the start (00:00 means midnight)."]})


class Holiday(models.Model):
    """A local date on which the schedule's clock does not run."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class AgreementType(models.TextChoices):
    SLA = "sla", "SLA"
    OLA = "ola", "OLA"
    UNDERPINNING = "uc", "Underpinning contract"


class Target(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class Action(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", "Notify the assignee"
    NOTIFY_TEAM_LEAD = "notify_team_lead", "Notify the team lead"
    NOTIFY_MANAGERS = "notify_managers", "Notify the managers"
    REASSIGN = "reassign", "Reassign to the escalation team"
    RAISE_PRIORITY = "raise_priority", "Raise the priority by one"
    FLAG_MAJOR = "flag_major", "Flag as a major incident"


BREACH = 100  # the threshold of a breach, in percent of the target


def default_thresholds() -> list[int]:
    return [50, 75]


def default_actions() -> dict[str, list[str]]:
    return {"75": [Action.NOTIFY_ASSIGNEE], "100": [Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM_LEAD]}


class SlaDefinition(models.Model):
    """An agreement: which tickets it applies to, when its clock starts, pauses, stops or is cancelled, how
    long it allows (in the schedule's business time), and what happens at each threshold and at breach.

    Conditions are small JSON objects of field -> allowed values over the ticket, e.g. start
    `{"priority": [1, 2], "service": [3]}`, pause `{"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}`.
    The stop condition is fixed by the target (response: first public reply from the desk or work started;
    resolution: resolved). A timer is cancelled when its start condition no longer holds.
    Among the definitions of one type and target that match a ticket, the lowest `order` applies.
    """

    name = models.CharField(max_length=150, unique=True)
    agreement_type = models.CharField(max_length=8, choices=AgreementType.choices, default=AgreementType.SLA)
    target = models.CharField(max_length=16, choices=Target.choices)
    ticket_kind = models.CharField(max_length=16, choices=TicketKind.choices, default=TicketKind.INCIDENT)
    start_condition = models.JSONField(default=dict, blank=True)
    pause_condition = models.JSONField(default=dict, blank=True)
    duration = models.DurationField(help_text="Business time allowed, counted on the schedule.")
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="definitions")
    thresholds = models.JSONField(default=default_thresholds, help_text="Warning thresholds in percent.")
    actions = models.JSONField(
        default=default_actions, blank=True,
        help_text='Actions per threshold: {"75": ["notify_assignee"], "100": ["notify_team_lead"]}.',
    )
    escalation_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Where the reassign action sends the ticket.",
    )
    order = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from sla.conditions import PAUSE_FIELDS, START_FIELDS, validate_condition

        errors: dict[str, list[str]] = {}
        for name, allowed in (("start_condition", START_FIELDS), ("pause_condition", PAUSE_FIELDS)):
            problems = validate_condition(getattr(self, name) or {}, allowed=allowed)
            if problems:
                errors[name] = problems
        if self.duration is not None and self.duration <= timedelta(0):
            errors["duration"] = ["The duration must be positive."]
        thresholds_ok = isinstance(self.thresholds, list) and all(
            isinstance(t, int) and not isinstance(t, bool) and 0 < t < BREACH for t in self.thresholds
        )
        if not thresholds_ok:
            errors["thresholds"] = ["A list of whole percentages between 1 and 99."]
        if not isinstance(self.actions, dict) or any(
            not str(k).isdigit() or not isinstance(v, list) or any(a not in Action.values for a in v)
            for k, v in (self.actions or {}).items()
        ):
            errors["actions"] = [f"A mapping of threshold -> list of: {', '.join(Action.values)}."]
        else:
            # the sweep looks actions up by str(threshold): any other key would never run
            known = {str(t) for t in [*self.thresholds, BREACH]} if thresholds_ok else None
            unknown = sorted(str(k) for k in self.actions if known is not None and str(k) not in known)
            if unknown:
                errors["actions"] = [
                    f"Threshold(s) {', '.join(unknown)} are not among the thresholds "
                    f"({', '.join(sorted(known or (), key=int))}): their actions would never run."
                ]
            if self.escalation_team_id is None and any(Action.REASSIGN in v for v in self.actions.values()):
                errors["escalation_team"] = ["The reassign action needs an escalation team."]
        if errors:
            raise ValidationError(errors)


class Stage(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    PAUSED = "paused", "Paused"
    ACHIEVED = "achieved", "Achieved"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


RUNNING_STAGES = (Stage.IN_PROGRESS, Stage.PAUSED)


class SlaTimer(models.Model):
    """One clock per ticket and definition.

    Business time is counted on the definition's schedule. `elapsed` is the business time counted up to
    `elapsed_as_of`; while the timer is in progress, the time since then counts too (pauses always
    recompute these columns, so between two changes the clock simply runs). The timer keeps the terms
    (duration, thresholds) it started with: editing a definition applies to new timers only.
    """

    ticket = models.ForeignKey("core.Ticket", on_delete=models.CASCADE, related_name="sla_timers")
    definition = models.ForeignKey(SlaDefinition, on_delete=models.PROTECT, related_name="timers")
    # What the reports group and filter by, copied from the ticket and kept equal to it on every change of the
    # ticket (sla.services.refresh_timers): the dashboard counts the period's timers without reading the tickets.
    ticket_kind = models.CharField(max_length=16, default="", blank=True)
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                db_index=False)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.IN_PROGRESS)
    started_at = models.DateTimeField()
    duration = models.DurationField()
    thresholds = models.JSONField(default=default_thresholds)
    due_at = models.DateTimeField(null=True, blank=True)
    elapsed = models.DurationField(default=timedelta(0))
    elapsed_as_of = models.DateTimeField()
    paused_total = models.DurationField(default=timedelta(0), help_text="Business time spent paused.")
    paused_since = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    next_event_at = models.DateTimeField(null=True, blank=True)
    next_threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "definition"], name="sla_timer_unique")]
        indexes = [
            # the sweep: only running timers with an event ahead are in this index
            models.Index(fields=["next_event_at"], name="sla_timer_due", condition=Q(stage="in_progress")
                         & Q(next_event_at__isnull=False)),
            # queues: nearest due time of running timers
            models.Index(fields=["ticket", "due_at"], name="sla_timer_ticket_due",
                         condition=Q(stage__in=["in_progress", "paused"])),
            models.Index(fields=["definition", "stage", "stopped_at"], name="sla_timer_report"),
            models.Index(fields=["stopped_at"], name="sla_timer_stopped", condition=Q(stopped_at__isnull=False)),
            # the dashboard's compliance figures (sla.report.completed): the timers completed in a period, with every
            # column the report reads, so that PostgreSQL answers from the index alone (an index-only scan)
            models.Index(fields=["stopped_at"], name="sla_timer_completed",
                         include=["ticket_kind", "stage", "ticket", "definition", "service", "team", "priority",
                                  "elapsed", "breached_at"],
                         condition=Q(stage__in=["achieved", "breached"])),
            # the dashboard of one kind: the timers stopped in a period
            models.Index(fields=["ticket_kind", "stopped_at"], name="sla_timer_kind_stopped",
                         condition=Q(stopped_at__isnull=False)),
            models.Index(fields=["breached_at"], name="sla_timer_breached", condition=Q(breached=True)),
            # the dashboard's "at risk now": running, not breached, past the last warning (with the kind and the
            # ticket, so that its counts of one kind can be answered from the index alone)
            models.Index(fields=["due_at"], name="sla_timer_at_risk", include=["ticket_kind", "ticket"],
                         condition=Q(stage="in_progress") & Q(breached=False) & Q(next_threshold=100)),
        ]

    def __str__(self) -> str:
        return f"{self.definition} on ticket {self.ticket_id}: {self.get_stage_display()}"

    @cached_property
    def business(self) -> business_time.Schedule:
        return self.definition.schedule.to_business()

    def elapsed_at(self, when) -> timedelta:
        """Business time counted at `when` (the clock runs only while in progress)."""
        if self.stage == Stage.IN_PROGRESS and when > self.elapsed_as_of:
            return self.elapsed + business_time.elapsed(self.business, self.elapsed_as_of, when)
        return self.elapsed

    def percent_at(self, when) -> float:
        return 100.0 * self.elapsed_at(when) / self.duration if self.duration else 0.0

    def left_at(self, when) -> timedelta:
        return self.duration - self.elapsed_at(when)


class EventKind(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"


class SlaEvent(models.Model):
    """A threshold crossed by a timer: each warning and the breach are recorded exactly once."""

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    threshold = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(help_text="When the threshold was reached on the clock.")
    recorded_at = models.DateTimeField()
    actions = models.JSONField(default=list, blank=True, help_text="The actions to run, and their outcome.")
    actions_done = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["timer", "threshold"], name="sla_event_once")]
        indexes = [
            models.Index(fields=["kind", "due_at"], name="sla_event_kind_time"),
            models.Index(fields=["recorded_at"], name="sla_event_pending", condition=Q(actions_done=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.threshold}% of timer {self.timer_id}"


class StateSpan(models.Model):
    """The ticket's state history as spans (state, hold reason, from, until): pauses are read from here, so a
    timer started late (a change of SLA) counts exactly the time the ticket spent paused before it."""

    ticket = models.ForeignKey("core.Ticket", on_delete=models.CASCADE, related_name="state_spans")
    state = models.CharField(max_length=32)
    hold_reason = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="state_span_ticket")]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} {self.state} from {self.started_at:%Y-%m-%d %H:%M} UTC"
