"""The change calendar: the scheduled and implementing changes whose planned window meets a period, with what
each collides with (changes.conflicts.conflicts_among), filtered by service, team, type and risk; laid out as a
month or a week, and written as an iCalendar feed.

Who sees what: the whole desk sees every scheduled change on the calendar (the issue's rule: planning needs the
full picture); opening one follows the access rule (a change of another team is shown without its link).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from accounts.roles import Role, has_role
from catalog.models import Service
from changes.choices import WORKFLOW, ChangeType, Risk, State
from changes.conflicts import Conflict, conflicts_among
from changes.models import Change
from core import reference_cache
from core.references import visible_ticket_ids

CALENDAR_STATES = (State.SCHEDULED, State.IMPLEMENT)
FILTERS = ("service", "team", "change_type", "risk")
MAX_DAYS = 92  # one request covers at most a quarter


@dataclass
class CalendarChange:
    """What the calendar reads of a change (a light row: a month holds thousands), with the names of its service
    and team from this process's kept reference rows."""

    pk: int
    number: str
    title: str
    state: str
    change_type: str
    risk: str
    planned_start: datetime
    planned_end: datetime
    service_id: int | None
    team_id: int | None
    assignee_id: int | None
    service: Any = None
    team: Any = None
    affected_ids: set[int] | None = None

    def get_state_display(self) -> str:
        return WORKFLOW.label(self.state)


@dataclass
class Event:
    """One change on the calendar."""

    change: CalendarChange
    conflicts: list[Conflict] = field(default_factory=list)
    linked: bool = True  # the viewer may open it (the access rule)


COLUMNS = ("pk", "number", "title", "state", "change_type", "risk", "planned_start", "planned_end", "service_id",
           "team_id", "assignee_id")


def clean_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The calendar's filters from a query string: ids of a service or a team, a type, a risk. Bad values are a
    ValidationError naming the parameter."""
    chosen: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in ("service", "team"):
        value = str(params.get(name) or "").strip()
        if value:
            if value.isdigit() and int(value) < 2**31:
                chosen[name] = int(value)
            else:
                errors[name] = [f"The {name} is its id (a number)."]
    for name, choices in (("change_type", ChangeType), ("risk", Risk)):
        value = str(params.get(name) or "").strip()
        if value:
            if value in choices.values:
                chosen[name] = value
            else:
                errors[name] = [f"Choose one of: {', '.join(choices.values)}."]
    if errors:
        raise ValidationError(errors)
    return chosen


def events(user: Any, start: datetime, end: datetime, filters: Mapping[str, Any] | None = None) -> list[Event]:
    """The scheduled and implementing changes whose window meets [start, end), in start order, with their
    conflicts; `linked` says which the user may open."""
    filters = filters or {}
    rows = Change.objects.filter(state__in=CALENDAR_STATES, planned_start__lt=end, planned_end__gt=start).filter(
        **{f"{name}_id" if name == "team" else name: value for name, value in filters.items() if name != "service"})
    if "service" in filters:  # its own service or one it also affects
        rows = rows.filter(Q(service_id=filters["service"]) | Q(other_services=filters["service"])).distinct()
    rows = rows.order_by("planned_start", "ticket_ptr_id").values_list(*COLUMNS)
    services, teams = reference_cache.rows(Service), reference_cache.rows(Team)
    changes = [CalendarChange(*row) for row in rows]
    for change in changes:
        change.service, change.team = services.get(change.service_id), teams.get(change.team_id)
    found = conflicts_among(changes, start, end)
    ids = [change.pk for change in changes]
    linked = set(ids) if has_role(user, Role.MANAGER) else visible_ticket_ids(user, ids)  # managers see all
    return [Event(change, found[change.pk], change.pk in linked) for change in changes]


def month_range(year: int, month: int) -> tuple[date, date]:
    """The weeks (Monday to Sunday) that show a month: the first Monday on or before its first day, the Monday
    after its last week."""
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return first - timedelta(days=first.weekday()), last + timedelta(days=7 - last.weekday())


def local_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    """The instants of local midnight on `first` and on `after`."""
    zone = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=zone), datetime.combine(after, time.min, tzinfo=zone))


def by_day(found: list[Event], first: date, after: date) -> dict[date, list[Event]]:
    """Each day of [first, after) with the events that meet it (a window over several days is on each)."""
    days: dict[date, list[Event]] = {first + timedelta(days=n): [] for n in range((after - first).days)}
    zone = timezone.get_current_timezone()
    for event in found:
        start: Any = event.change.planned_start  # set: only planned changes are on the calendar
        end: Any = event.change.planned_end
        day = max(start.astimezone(zone).date(), first)
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        while day <= last and day < after:
            days[day].append(event)
            day += timedelta(days=1)
    return days
