"""The Django admin of SLA management: schedules (with working hours and holidays inline), definitions, and
read-only views of timers and events (those are written by the timer engine and the sweep only)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from sla.models import Action, Holiday, Schedule, SlaDefinition, SlaEvent, SlaTimer, WorkingHours

MIDNIGHT_MINUTES = 24 * 60


def _minutes(value: Any, *, end: bool = False) -> int:
    if end and value.hour == 0 and value.minute == 0:
        return MIDNIGHT_MINUTES
    return value.hour * 60 + value.minute


class WorkingHoursFormSet(forms.BaseInlineFormSet):
    """A schedule that is not 24x7 needs working hours, and the ranges of a weekday may not overlap."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("start") is not None]
        if not self.instance.is_24x7 and not rows:
            raise ValidationError("A schedule that is not 24x7 needs working hours (or tick “is 24x7”).")
        by_day: dict[int, list[tuple[int, int]]] = {}
        for row in rows:
            by_day.setdefault(row["weekday"], []).append((_minutes(row["start"]), _minutes(row["end"], end=True)))
        for weekday, ranges in by_day.items():
            ranges.sort()
            if any(later[0] < earlier[1] for earlier, later in pairwise(ranges)):
                day = WorkingHours(weekday=weekday).get_weekday_display()
                raise ValidationError(f"The working ranges of {day} overlap.")


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    """Business hours per weekday in a time zone, and holidays (loadable by country through the API)."""

    list_display = ["name", "time_zone", "is_24x7"]
    list_filter = ["is_24x7"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(SlaDefinition)
class SlaDefinitionAdmin(admin.ModelAdmin):
    """Agreements. The model's clean() checks conditions, thresholds and actions; running timers keep the terms
    they started with. A definition with timers cannot be deleted: deactivate it."""

    list_display = ["name", "agreement_type", "target", "ticket_kind", "duration", "schedule", "order", "active"]
    list_filter = ["agreement_type", "target", "ticket_kind", "active", "schedule"]
    list_select_related = ["schedule"]
    search_fields = ["name"]
    autocomplete_fields = ["escalation_team"]
    fieldsets = [
        (None, {"fields": ["name", "agreement_type", "target", "ticket_kind", "order", "active"]}),
        ("Clock", {"fields": ["schedule", "duration", "start_condition", "pause_condition"]}),
        ("Escalation", {"fields": ["thresholds", "actions", "escalation_team"]}),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the SLA engine only: viewable, never added, changed or deleted by hand."""

    show_full_result_count = False  # no COUNT(*) of a large table on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def actions_text(event: SlaEvent) -> str:
    """An event's escalation actions as people read them: "Notify the assignee: done (notification queued)"."""
    labels = dict(Action.choices)
    parts = []
    for item in event.actions or []:
        code = item.get("action", "")
        state = "done" if item.get("done") else "not done"
        detail = f" ({item['detail']})" if item.get("detail") else ""
        parts.append(f"{labels.get(code, code.replace('_', ' ').capitalize())}: {state}{detail}")
    return "; ".join(parts) or "—"


class EventActionsMixin:
    @admin.display(description="Actions")
    def actions_text(self, event: SlaEvent) -> str:
        return actions_text(event)


class SlaEventInline(EventActionsMixin, admin.TabularInline):
    model = SlaEvent
    fields = ["kind", "threshold", "due_at", "recorded_at", "actions_text", "actions_done"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = ["ticket_number", "definition", "stage", "started_at", "due_at", "breached", "stopped_at"]
    list_filter = ["stage", "breached", "definition"]
    list_select_related = ["ticket", "definition"]
    search_fields = ["ticket__number"]
    inlines = [SlaEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaTimer]:
        return super().get_queryset(request).defer("ticket__search", "ticket__description")

    @admin.display(description="Ticket", ordering="ticket__number")
    def ticket_number(self, timer: SlaTimer) -> str:
        return timer.ticket.number


@admin.register(SlaEvent)
class SlaEventAdmin(EventActionsMixin, ReadOnlyAdmin):
    list_display = ["timer", "kind", "threshold", "due_at", "recorded_at", "actions_done"]
    fields = ["timer", "kind", "threshold", "due_at", "recorded_at", "actions_text", "actions_done"]
    readonly_fields = fields
    list_filter = ["kind", "actions_done"]
    list_select_related = ["timer__definition"]
    search_fields = ["timer__ticket__number"]
