"""What a change's planned window collides with: another change on the same service or with the same assignee in
an overlapping window (a warning), and a blackout window (a change freeze: it blocks scheduling, except for an
emergency change).

Windows are half-open instants [start, end): one that ends when the next starts does not overlap it, and the
arithmetic is on instants, so a window across a daylight-saving change is compared by its real length.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    same = Q(service_id=change.service_id) if change.service_id else Q(pk__in=[])
    if change.assignee_id:
        same |= Q(assignee_id=change.assignee_id)
    others = list(Change.objects.filter(same, state__in=PLANNED_STATES, planned_start__lt=end, planned_end__gt=start)
                  .exclude(pk=change.pk).order_by("planned_start", "pk"))
    visible = (visible_ticket_ids(user, [other.pk for other in others]) if user is not None
               else {other.pk for other in others})
    found = [conflict for other in others for conflict in pair_conflicts(change, other, other.pk in visible)]
    freezes = list(BlackoutWindow.objects.filter(Q(service__isnull=True) | Q(service_id=change.service_id),
                                                 starts_at__lt=end, ends_at__gt=start).order_by("starts_at"))
    windows = list(MaintenanceWindow.objects.filter(service_id=change.service_id)) if change.service_id else []
    return found + window_conflicts(change, freezes, windows)


def pair_conflicts(change: Any, other: Any, seen: bool = True) -> list[Conflict]:
    """How `other`, whose window overlaps `change`'s, collides with it: the same service, the same assignee. An
    `other` the viewer may not see is named "another change" only."""
    name = other.number if seen else "another change (of a team you do not work in)"
    found = []
    if change.service_id and other.service_id == change.service_id:
        found.append(Conflict("service", f"{name[0].upper()}{name[1:]} changes the same service in an "
                                         "overlapping window.", other if seen else None))
    if change.assignee_id and other.assignee_id == change.assignee_id:
        found.append(Conflict("assignee", f"The assignee also implements {name} in an overlapping window.",
                              other if seen else None))
    return found


def window_conflicts(change: Any, freezes: Iterable[BlackoutWindow],
                     windows: list[MaintenanceWindow], windows_text: str = "") -> list[Conflict]:
    """`change`'s window against the change freezes (those of every service, or of its own, that overlap it
    block unless it is an emergency change) and its service's maintenance `windows` (outside all: flagged)."""
    start, end = change.planned_start, change.planned_end
    emergency = change.change_type == ChangeType.EMERGENCY
    found = [Conflict("blackout", f"The window falls in the change freeze “{freeze.name}”"
                                  + (" (allowed: an emergency change)." if emergency else "."), blocking=not emergency)
             for freeze in freezes if freeze.starts_at < end and freeze.ends_at > start
             and freeze.service_id in (None, change.service_id)]
    if windows and not any(inside(window, start, end) for window in windows):
        text = windows_text or ", ".join(str(window) for window in windows)
        found.append(Conflict("maintenance", f"The window is outside the service's maintenance windows ({text})."))
    return found


def conflicts_among(changes: list[Any], start: datetime, end: datetime) -> dict[int, list[Conflict]]:
    """The collisions of many changes at once (the calendar of [start, end)): with each other (a sweep over
    each service's and each assignee's changes in start order), with the freezes of the period and with their
    services' maintenance windows, in two queries whatever their number. Every change here is on the
    calendar, so the others are named."""
    found: dict[int, list[Conflict]] = {change.pk: [] for change in changes}
    for key, reason in (("service_id", "service"), ("assignee_id", "assignee")):
        groups: dict[int, list[Any]] = {}
        for change in changes:
            if getattr(change, key):
                groups.setdefault(getattr(change, key), []).append(change)
        for group in groups.values():
            group.sort(key=lambda c: (c.planned_start, c.pk))
            for index, change in enumerate(group):
                for other in group[index + 1:]:
                    if other.planned_start >= change.planned_end:
                        break
                    found[change.pk] += [c for c in pair_conflicts(change, other) if c.reason == reason]
                    found[other.pk] += [c for c in pair_conflicts(other, change) if c.reason == reason]
    freezes = list(BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start))
    services = {change.service_id for change in changes if change.service_id}
    windows: dict[int, list[MaintenanceWindow]] = {}
    for window in MaintenanceWindow.objects.filter(service_id__in=services) if services else []:
        windows.setdefault(window.service_id, []).append(window)
    texts = {service: ", ".join(str(window) for window in rows) for service, rows in windows.items()}
    for change in changes:
        found[change.pk] += window_conflicts(change, freezes, windows.get(change.service_id, []),
                                             texts.get(change.service_id, ""))
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
