"""Serializers of the SLA API, and the live figures of timers (elapsed, percent) computed at read time.

Reading: references come back as objects (`{"id", "name"}`); durations of timers in whole seconds.
Writing: references go in by id; unknown and read-only keys are refused by name (StrictInputMixin); a definition
is checked by the model's own `clean()` so the API, the admin and any form refuse the same things.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import clock, reference_cache
from core.api.serializers import NamedRefSerializer, RoleDependentFieldsMixin, StrictInputMixin
from core.filters import utc_instant
from sla import business_time, calendars
from sla.filters import END_USER_TIMERS
from sla.models import (
    RUNNING_STAGES,
    Action,
    AgreementType,
    Holiday,
    Schedule,
    SlaDefinition,
    SlaTimer,
    Stage,
    Target,
    WorkingHours,
)
from sla.report import report_kinds

MIDNIGHT = time(0)
MINUTES_PER_DAY = 24 * 60
MAX_HOLIDAYS = 5000
MAX_RANGES = 7 * 24

# --- live figures of timers ---------------------------------------------------------------------------------


def attach_business(timers: Iterable[SlaTimer]) -> None:
    """Give every running timer its schedule's business calendar, built once per schedule.

    Timers must come with `definition__schedule` (select_related). The working hours and holidays of the
    non-24x7 schedules involved are fetched together (two queries, whatever the number of timers), so reading
    `percent` afterwards costs no query per row. A schedule that cannot be used (no working hours) is skipped:
    its timers show their stored figures (see `live_figures`).
    """
    running = [t for t in timers if t.stage in RUNNING_STAGES]
    schedules: dict[int, Schedule] = {}
    for timer in running:
        schedules.setdefault(timer.definition.schedule_id, timer.definition.schedule)
    calendars_needed = [s for s in schedules.values() if not s.is_24x7]
    if calendars_needed:
        prefetch_related_objects(calendars_needed, "hours", "holidays")
    built: dict[int, business_time.Schedule] = {}
    for pk, schedule in schedules.items():
        try:
            built[pk] = schedule.to_business()
        except business_time.ScheduleError:
            continue
    for timer in running:
        if timer.definition.schedule_id in built:
            timer.business = built[timer.definition.schedule_id]  # the model's cached_property, filled in


def live_figures(timer: SlaTimer, now: datetime) -> dict[str, Any]:
    """Business time counted and paused up to `now`, and the percentage of the target used (as `percent_at`)."""
    cached = getattr(timer, "_live_figures", None)
    if cached is not None and cached[0] == now:
        return cached[1]
    elapsed, paused = timer.elapsed, timer.paused_total
    try:
        elapsed = timer.elapsed_at(now)
        if timer.stage == Stage.PAUSED and now > timer.elapsed_as_of:
            paused += business_time.elapsed(timer.business, timer.elapsed_as_of, now)
    except business_time.ScheduleError:
        pass  # an unusable schedule: the stored figures
    percent = 100.0 * elapsed / timer.duration if timer.duration else 0.0
    figures = {"elapsed": elapsed, "paused_total": paused, "percent": round(percent, 1)}
    timer._live_figures = (now, figures)
    return figures


def seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


class LiveFiguresMixin:
    """`now` is taken once per response (context "now", else the clock), so every row is computed at one instant."""

    def now(self) -> datetime:
        context = self.context  # type: ignore[attr-defined]
        if context.get("now") is None:
            context["now"] = clock.now()
        return context["now"]

    def figures(self, timer: SlaTimer) -> dict[str, Any]:
        return live_figures(timer, self.now())


# --- timers -------------------------------------------------------------------------------------------------


class TimerTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class TimerDefinitionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    target = serializers.ChoiceField(choices=Target.choices, read_only=True)
    agreement_type = serializers.ChoiceField(choices=AgreementType.choices, read_only=True)


class TimerSerializer(LiveFiguresMixin, serializers.ModelSerializer):
    """A timer as listed by /sla/timers/: `elapsed`, `percent` and `paused_total` are computed at request time."""

    ticket = TimerTicketSerializer(read_only=True)
    definition = TimerDefinitionSerializer(read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    duration = serializers.SerializerMethodField(help_text="The target, in seconds of business time.")
    elapsed = serializers.SerializerMethodField(help_text="Business time counted so far, in seconds.")
    percent = serializers.SerializerMethodField(help_text="Share of the target used so far (over 100 once late).")
    paused_total = serializers.SerializerMethodField(help_text="Business time spent paused so far, in seconds.")

    class Meta:
        model = SlaTimer
        fields = ["id", "ticket", "definition", "stage", "started_at", "due_at", "duration", "elapsed", "percent",
                  "breached", "breached_at", "paused_total", "paused_since", "stopped_at", "next_event_at",
                  "next_threshold"]
        read_only_fields = fields

    def get_duration(self, timer: SlaTimer) -> int:
        return seconds(timer.duration) or 0

    def get_elapsed(self, timer: SlaTimer) -> int:
        return seconds(self.figures(timer)["elapsed"]) or 0

    def get_percent(self, timer: SlaTimer) -> float:
        return self.figures(timer)["percent"]

    def get_paused_total(self, timer: SlaTimer) -> int:
        return seconds(self.figures(timer)["paused_total"]) or 0


class TicketSlaSerializer(RoleDependentFieldsMixin, LiveFiguresMixin, serializers.Serializer):
    """One timer of a ticket, as its detail shows it. End users get neither the definition id nor the type."""

    class Meta:
        role_dependent_fields = frozenset({"definition_id", "agreement_type"})

    definition = serializers.CharField(source="definition.name", read_only=True, help_text="The agreement's name.")
    definition_id = serializers.IntegerField(read_only=True)
    agreement_type = serializers.ChoiceField(source="definition.agreement_type", choices=AgreementType.choices,
                                             read_only=True)
    target = serializers.ChoiceField(source="definition.target", choices=Target.choices, read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                       help_text="When it breaches if nothing pauses it (null while paused).")
    percent = serializers.SerializerMethodField(help_text="Share of the target used so far (over 100 once late).")
    breached = serializers.BooleanField(read_only=True)
    breached_at = serializers.DateTimeField(read_only=True, allow_null=True)
    paused = serializers.SerializerMethodField(help_text="True while the clock is paused (e.g. awaiting the caller).")

    def get_percent(self, timer: SlaTimer) -> float:
        return self.figures(timer)["percent"]

    def get_paused(self, timer: SlaTimer) -> bool:
        return timer.stage == Stage.PAUSED


class TicketSlaMixin(serializers.Serializer):
    """The `sla` of a ticket's detail (any kind): its timers, cancelled ones left out."""

    sla = serializers.SerializerMethodField(
        help_text="The ticket's SLA timers (cancelled ones left out), with `percent` computed now. End users see "
        "only agreements of type SLA, without the definition id or type."
    )

    @extend_schema_field(TicketSlaSerializer(many=True))
    def get_sla(self, ticket: Any) -> list[dict[str, Any]]:
        return ticket_sla(ticket.pk, end_user=bool(self.context.get("end_user")))


def ticket_sla(ticket_id: int, *, end_user: bool, now: datetime | None = None) -> list[dict[str, Any]]:
    """The `sla` list of a ticket's detail: every timer but the cancelled ones, in the definitions' order.

    End users see only the agreements made with them (type SLA), not the internal OLAs and underpinning
    contracts. Costs one query, plus two when a running timer counts on a non-24x7 schedule.
    """
    timers = (
        SlaTimer.objects.filter(ticket_id=ticket_id).exclude(stage=Stage.CANCELLED)
        .select_related("definition__schedule").order_by("definition__order", "definition_id")
    )
    if end_user:
        timers = timers.filter(END_USER_TIMERS)
    rows = list(timers)
    attach_business(rows)
    return TicketSlaSerializer(rows, many=True, context={"end_user": end_user, "now": now}).data


# --- schedules ----------------------------------------------------------------------------------------------


def _minutes(value: time, *, end: bool = False) -> int:
    """Minutes since midnight; an end of 00:00 is the end of the day (24:00)."""
    if end and value == MIDNIGHT:
        return MINUTES_PER_DAY
    return value.hour * 60 + value.minute


class WorkingHoursSerializer(StrictInputMixin, serializers.ModelSerializer):
    """One working range of a weekday (0 = Monday); an `end` of 00:00 means midnight at the end of the day."""

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] != MIDNIGHT and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must come after the start (00:00 means midnight)."]})
        return attrs


class HolidaySerializer(StrictInputMixin, serializers.ModelSerializer):
    """A local date (in the schedule's time zone) on which the clock does not run."""

    class Meta:
        model = Holiday
        fields = ["date", "name"]


class ScheduleSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A schedule with its working hours and holidays. Sending `hours` or `holidays` replaces the whole list."""

    read_only_names = frozenset({"id"})

    hours = WorkingHoursSerializer(many=True, required=False, max_length=MAX_RANGES,
                                   help_text="Working ranges; replaced as a whole when sent.")
    holidays = HolidaySerializer(many=True, required=False, max_length=MAX_HOLIDAYS,
                                 help_text="Holidays; replaced as a whole when sent (see load_holidays to add).")

    class Meta:
        model = Schedule
        fields = ["id", "name", "slug", "time_zone", "is_24x7", "description", "hours", "holidays"]
        read_only_fields = ["id"]
        extra_kwargs = {"time_zone": {"help_text": "An IANA time zone, e.g. Europe/Paris."}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        instance: Schedule | None = self.instance
        is_24x7 = attrs.get("is_24x7", instance.is_24x7 if instance else False)
        if "hours" in attrs:
            hours = attrs["hours"]
            errors.update(self._overlaps(hours))
        else:
            hours = list(instance.hours.all()) if instance else []
        if not is_24x7 and not hours:
            errors.setdefault("hours", []).append(
                "A schedule that is not 24x7 needs working hours (or set is_24x7 to true)."
            )
        if "holidays" in attrs:
            seen: set = set()
            twice = sorted({h["date"] for h in attrs["holidays"] if h["date"] in seen or seen.add(h["date"])})
            if twice:
                errors["holidays"] = [f"Listed more than once: {', '.join(d.isoformat() for d in twice)}."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @staticmethod
    def _overlaps(hours: list[dict[str, Any]]) -> dict[str, list[str]]:
        by_day: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
        for row in hours:
            by_day.setdefault(row["weekday"], []).append(
                (_minutes(row["start"]), _minutes(row["end"], end=True), row)
            )
        problems = []
        for weekday, ranges in sorted(by_day.items()):
            ranges.sort(key=lambda r: (r[0], r[1]))
            for (_s1, e1, first), (s2, _e2, second) in pairwise(ranges):
                if s2 < e1:
                    day = WorkingHours(weekday=weekday).get_weekday_display()
                    problems.append(f"{day}: {first['start']:%H:%M}-{first['end']:%H:%M} overlaps "
                                    f"{second['start']:%H:%M}-{second['end']:%H:%M}.")
        return {"hours": problems} if problems else {}

    @transaction.atomic
    def create(self, validated_data: dict[str, Any]) -> Schedule:
        hours = validated_data.pop("hours", [])
        holidays = validated_data.pop("holidays", [])
        schedule = Schedule.objects.create(**validated_data)
        self._replace(schedule, hours, holidays)
        return schedule

    @transaction.atomic
    def update(self, instance: Schedule, validated_data: dict[str, Any]) -> Schedule:
        hours = validated_data.pop("hours", None)
        holidays = validated_data.pop("holidays", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        self._replace(instance, hours, holidays)
        return instance

    @staticmethod
    def _replace(schedule: Schedule, hours: list[dict] | None, holidays: list[dict] | None) -> None:
        if hours is not None:
            schedule.hours.all().delete()
            WorkingHours.objects.bulk_create([WorkingHours(schedule=schedule, **row) for row in hours])
        if holidays is not None:
            schedule.holidays.all().delete()
            Holiday.objects.bulk_create([Holiday(schedule=schedule, **row) for row in holidays])
        reference_cache.clear(Schedule)  # bulk_create sends no signal: the calendars the pages keep are stale


class LoadHolidaysSerializer(StrictInputMixin, serializers.Serializer):
    """Which public holidays to add: a country (ISO 3166-1 alpha-2), optionally a subdivision, and years."""

    country = serializers.CharField(max_length=8, help_text="ISO 3166-1 alpha-2 code, e.g. FR, DE, US.")
    years = serializers.ListField(child=serializers.IntegerField(min_value=1970, max_value=2100), min_length=1,
                                  max_length=10, help_text="Up to ten years, e.g. [2026, 2027].")
    subdiv = serializers.CharField(required=False, allow_blank=True, max_length=16,
                                   help_text="A subdivision of the country (state, region), e.g. CA for US.")
    language = serializers.CharField(required=False, allow_blank=True, max_length=16,
                                     help_text="The language of the holiday names, e.g. fr or en_US.")

    def validate_country(self, value: str) -> str:
        code = value.strip().upper()
        if code not in calendars.supported_countries():
            raise serializers.ValidationError(
                f"Unknown country {code!r}: use an ISO 3166-1 alpha-2 code such as FR, DE or US."
            )
        return code

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        country = attrs["country"]
        subdiv = (attrs.get("subdiv") or "").strip()
        if subdiv:
            known = calendars.supported_countries()[country]
            match = next((s for s in known if s.upper() == subdiv.upper()), None)
            if match is None:
                raise serializers.ValidationError(
                    {"subdiv": [f"{country} has no subdivision {subdiv!r}; use one of: {', '.join(known) or 'none'}."]}
                )
            subdiv = match
        language = (attrs.get("language") or "").strip()
        if language:
            languages = calendars.supported_languages(country)
            if language not in languages:
                raise serializers.ValidationError(
                    {"language": [f"Use one of: {', '.join(languages) or 'none'}."]}
                )
        return {**attrs, "subdiv": subdiv, "language": language}


class HolidayRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()


class LoadHolidaysResultSerializer(serializers.Serializer):
    added = HolidayRowSerializer(many=True, help_text="The holidays inserted.")
    skipped = serializers.IntegerField(help_text="Holidays the schedule already had (left as they were).")
    schedule = ScheduleSerializer()


# --- definitions --------------------------------------------------------------------------------------------

CONDITION_SCHEMA = {
    "type": "object", "additionalProperties": {"type": "array", "items": {}, "minItems": 1},
    "example": {"priority": [1, 2]},
}


@extend_schema_field({**CONDITION_SCHEMA, "description": "Ticket field -> allowed values, e.g. "
                      '{"priority": [1, 2], "service": [3]}. Fields: priority, impact, urgency, service, team, '
                      "category, channel, major, state. Empty: every ticket of the kind."})
class StartConditionField(serializers.JSONField):
    pass


@extend_schema_field({**CONDITION_SCHEMA, "example": {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]},
                      "description": 'Field -> values that pause the clock, e.g. {"state": ["on_hold"], '
                      '"hold_reason": ["awaiting_caller"]}. Fields: state, hold_reason. Empty: never pauses.'})
class PauseConditionField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 99},
                      "description": "Warning thresholds in percent of the target, e.g. [50, 75]."})
class ThresholdsField(serializers.JSONField):
    pass


@extend_schema_field({
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string", "enum": list(Action.values)}},
    "description": "Actions per threshold (one of the thresholds, or 100 for the breach), e.g. "
                   '{"75": ["notify_assignee"], "100": ["notify_team_lead", "reassign"]}.',
})
class ActionsField(serializers.JSONField):
    pass


DEFINITION_FIELDS = ["id", "name", "agreement_type", "target", "ticket_kind", "start_condition", "pause_condition",
                     "duration", "schedule", "thresholds", "actions", "escalation_team", "order", "active"]
DURATION_HELP = ("Business time allowed, counted on the schedule: `HH:MM:SS`, `D HH:MM:SS` or ISO 8601 (`PT4H`). "
                 "Editing it applies to new timers only.")


class SlaDefinitionSerializer(serializers.ModelSerializer):
    """An SLA, OLA or underpinning contract as read: references as `{"id", "name"}`."""

    schedule = NamedRefSerializer(read_only=True)
    escalation_team = NamedRefSerializer(read_only=True, allow_null=True)
    start_condition = StartConditionField(read_only=True)
    pause_condition = PauseConditionField(read_only=True)
    thresholds = ThresholdsField(read_only=True)
    actions = ActionsField(read_only=True)

    class Meta:
        model = SlaDefinition
        fields = DEFINITION_FIELDS
        read_only_fields = fields
        extra_kwargs = {"duration": {"help_text": DURATION_HELP}}


class SlaDefinitionWriteSerializer(StrictInputMixin, serializers.ModelSerializer):
    """What a create or an update may carry: references by id. Checked by `SlaDefinition.clean()`."""

    read_only_names = frozenset({"id"})

    start_condition = StartConditionField(required=False)
    pause_condition = PauseConditionField(required=False)
    thresholds = ThresholdsField(required=False)
    actions = ActionsField(required=False)

    class Meta:
        model = SlaDefinition
        fields = [f for f in DEFINITION_FIELDS if f != "id"]
        extra_kwargs = {
            "duration": {"help_text": DURATION_HELP},
            "schedule": {"help_text": "Id of the schedule (GET /api/v1/sla/schedules/)."},
            "escalation_team": {"help_text": "Id of the team the reassign action sends tickets to."},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's own checks (conditions, thresholds, actions), on the definition as it would be saved."""
        candidate = copy.copy(self.instance) if self.instance is not None else SlaDefinition()
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


# --- report -------------------------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    """`period`: 7d, 30d (default), 90d or custom; a custom period needs `since` and `until` (YYYY-MM-DD).

    Query parameters: other keys (`format`...) are left to DRF, not refused.
    """

    period = serializers.ChoiceField(choices=["7d", "30d", "90d", "custom"], default="30d")
    kind = serializers.CharField(required=False, max_length=16, help_text="The kind of tickets reported on "
                                 "(`incident`, `problem`...); the first kind (incidents) when left out.")
    since = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                  help_text="First day (YYYY-MM-DD, or an ISO date-time) of a custom period.")
    until = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                  help_text="Last day, included (YYYY-MM-DD, or an ISO date-time) of a custom period.")

    def validate_kind(self, value: str) -> str:
        known = [kind.key for kind in report_kinds()]
        if value not in known:
            raise serializers.ValidationError(f"Unknown kind “{value}”. Known: {', '.join(known)}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["period"] != "custom":
            return attrs
        errors = {}
        for name in ("since", "until"):
            value = (attrs.get(name) or "").strip()
            if not value:
                errors[name] = ["Required for a custom period (YYYY-MM-DD)."]
                continue
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                errors[name] = [f"{value!r} is not a date (YYYY-MM-DD)."]
                continue
            try:
                utc_instant(parsed)
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReportPeriodSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()


class ReportSerializer(serializers.Serializer):
    """The figures of the manager's SLA dashboard (sla.report.report), for the period."""

    period = ReportPeriodSerializer()
    compliance = serializers.JSONField(
        help_text="Per definition, service, team and priority: timers met, breached and the compliance in percent."
    )
    breaches_over_time = serializers.JSONField(help_text="Breaches per day: [{day, count}].")
    at_risk_count = serializers.IntegerField(help_text="Running timers past their last warning, not yet breached.")
    mean_times = serializers.JSONField(help_text="Mean time to acknowledge and to resolve, in hours.")
    backlog_by_age = serializers.JSONField(help_text="Open tickets by age: [{label, count, ...}].")


__all__ = [
    "HolidaySerializer", "LoadHolidaysResultSerializer", "LoadHolidaysSerializer",
    "ReportQuerySerializer", "ReportSerializer", "ScheduleSerializer", "SlaDefinitionSerializer",
    "SlaDefinitionWriteSerializer", "TicketSlaSerializer", "TimerSerializer", "WorkingHoursSerializer",
    "attach_business", "live_figures", "ticket_sla",
]
