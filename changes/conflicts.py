"""What a change's planned window collides with: another change on the same service or with the same assignee in
an overlapping window (a warning), and a blackout window (a change freeze: it blocks scheduling, except for an
emergency change).

Windows are half-open instants [start, end): one that ends when the next starts does not overlap it, and the
arithmetic is on instants, so a window across a daylight-saving change is compared by its real length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from changes.choices import ChangeType, State
from changes.models import BlackoutWindow, Change, MaintenanceWindow
from core.references import visible_ticket_ids

# the changes whose windows are taken: planned and waiting, scheduled, or being implemented
PLANNED_STATES = (State.AUTHORIZE, State.SCHEDULED, State.IMPLEMENT)


@dataclass(frozen=True)
class Conflict:
    """One collision, in words; `other` is the other change (None for a blackout); `blocking` stops scheduling."""

    reason: str
    text: str
    other: Change | None = None
    blocking: bool = False


def conflicts(change: Any, user: Any = None) -> list[Conflict]:
    """The collisions of `change`'s planned window (none without a window). For a `user`, another change they may
    not see (the access rule) is only "another change": neither its number nor its title."""
    start, end = change.planned_start, change.planned_end
    if start is None or end is None:
        return []
    found: list[Conflict] = []
    same = Q(service_id=change.service_id) if change.service_id else Q(pk__in=[])
    if change.assignee_id:
        same |= Q(assignee_id=change.assignee_id)
    others = (Change.objects.filter(same, state__in=PLANNED_STATES, planned_start__lt=end, planned_end__gt=start)
              .exclude(pk=change.pk).order_by("planned_start", "pk"))
    others = list(others)
    visible = (visible_ticket_ids(user, [other.pk for other in others]) if user is not None
               else {other.pk for other in others})
    for other in others:
        seen = other.pk in visible
        name = other.number if seen else "another change (of a team you do not work in)"
        if change.service_id and other.service_id == change.service_id:
            found.append(Conflict("service", f"{name[0].upper()}{name[1:]} changes the same service in an "
                                             "overlapping window.", other if seen else None))
        if change.assignee_id and other.assignee_id == change.assignee_id:
            found.append(Conflict("assignee", f"The assignee also implements {name} in an overlapping window.",
                                  other if seen else None))
    emergency = change.change_type == ChangeType.EMERGENCY
    freezes = BlackoutWindow.objects.filter(Q(service__isnull=True) | Q(service_id=change.service_id),
                                            starts_at__lt=end, ends_at__gt=start).order_by("starts_at")
    for freeze in freezes:
        found.append(Conflict("blackout", f"The window falls in the change freeze “{freeze.name}”"
                                          + (" (allowed: an emergency change)." if emergency else "."),
                              blocking=not emergency))
    windows = list(MaintenanceWindow.objects.filter(service_id=change.service_id)) if change.service_id else []
    if windows and not any(inside(window, start, end) for window in windows):
        found.append(Conflict("maintenance", "The window is outside the service's maintenance windows ("
                                             + ", ".join(str(window) for window in windows) + ")."))
    return found


def inside(window: MaintenanceWindow, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies within one occurrence of the weekly `window`, read in its time zone (so a
    window "Saturday 22:00-02:00" keeps its wall-clock times across a daylight-saving change)."""
    zone = ZoneInfo(window.time_zone)
    local_start = start.astimezone(zone)
    for days_back in (0, 1):  # the occurrence that began this day or, over midnight, the day before
        day = (local_start - timedelta(days=days_back)).date()
        if day.weekday() != window.weekday:
            continue
        opens = datetime.combine(day, window.starts, tzinfo=zone)
        closes = datetime.combine(day + timedelta(days=1 if window.ends <= window.starts else 0), window.ends,
                                  tzinfo=zone)
        if opens <= start and end <= closes:
            return True
    return False
