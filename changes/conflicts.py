"""What a change's planned window collides with: another change on the same service, with the same assignee, or
touching configuration items that share a dependency (the CMDB graph) in an overlapping window (a warning), and a
blackout window (a change freeze: it blocks scheduling, except for an
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


def affected(change: Any) -> set[int]:
    """The ids of the services a change affects: its own and those it "also affects" (read once per object)."""
    known = getattr(change, "affected_ids", None)
    if known is None:
        known = {change.service_id} if change.service_id else set()
        if getattr(change, "pk", None) and hasattr(change, "other_services"):
            known |= set(change.other_services.values_list("pk", flat=True))
        change.affected_ids = known
    return set(known)


def conflicts(change: Any, user: Any = None) -> list[Conflict]:
    """The collisions of `change`'s planned window (none without a window). For a `user`, another change they may
    not see (the access rule) is only "another change": neither its number nor its title."""
    start, end = change.planned_start, change.planned_end
    if start is None or end is None:
        return []
    services = affected(change)
    same = (Q(service_id__in=services) | Q(other_services__in=services)) if services else Q(pk__in=[])
    if change.assignee_id:
        same |= Q(assignee_id=change.assignee_id)
    others = list(Change.objects.filter(same, state__in=PLANNED_STATES, planned_start__lt=end, planned_end__gt=start)
                  .exclude(pk=change.pk).distinct().order_by("planned_start", "ticket_ptr_id"))
    visible = (visible_ticket_ids(user, [other.pk for other in others]) if user is not None
               else {other.pk for other in others})
    found = [conflict for other in others for conflict in pair_conflicts(change, other, other.pk in visible)]
    found += ci_conflicts(change, user)
    freezes = list(BlackoutWindow.objects.filter(Q(service__isnull=True) | Q(service_id__in=services),
                                                 starts_at__lt=end, ends_at__gt=start).order_by("starts_at"))
    windows: dict[int, list[MaintenanceWindow]] = {}
    for window in MaintenanceWindow.objects.filter(service_id__in=services).select_related("service"):
        windows.setdefault(window.service_id, []).append(window)
    return found + window_conflicts(change, freezes, windows)


def ci_conflicts(change: Any, user: Any = None) -> list[Conflict]:
    """Another change in an overlapping window touching configuration items that share a dependency with this
    change's (the CMDB graph: each CI and everything it depends on, within cmdb.impact's default depth): a warning
    naming the shared CI. None when the change names no CI (one query)."""
    from cmdb import impact
    from cmdb.models import AffectedCI, ConfigurationItem

    if not getattr(change, "pk", None):
        return []
    mine = list(AffectedCI.objects.filter(ticket_id=change.pk).values_list("ci_id", flat=True))
    if not mine:
        return []

    def closure(ci_ids: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for ci_id in ci_ids:
            found |= {ci_id, *impact.walk(ci_id, backwards=False, depth=impact.DEFAULT_DEPTH)}
        return found

    needs = closure(mine)
    others = list(Change.objects.filter(state__in=PLANNED_STATES, planned_start__lt=change.planned_end,
                                        planned_end__gt=change.planned_start, affected_cis__isnull=False)
                  .exclude(pk=change.pk).distinct().order_by("planned_start", "ticket_ptr_id")[:20])
    visible = (visible_ticket_ids(user, [other.pk for other in others]) if user is not None
               else {other.pk for other in others})
    conflicts_found = []
    for other in others:
        shared = needs & closure(AffectedCI.objects.filter(ticket_id=other.pk).values_list("ci_id", flat=True))
        if not shared:
            continue
        names = sorted(ConfigurationItem.objects.filter(pk__in=shared).values_list("name", flat=True)[:3])
        seen = other.pk in visible
        name = other.number if seen else "another change (of a team you do not work in)"
        conflicts_found.append(Conflict("ci", f"{name[0].upper()}{name[1:]} touches configuration items sharing "
                                              f"{', '.join(names)} with this change, in an overlapping window.",
                                        other if seen else None))
    return conflicts_found


def pair_conflicts(change: Any, other: Any, seen: bool = True) -> list[Conflict]:
    """How `other`, whose window overlaps `change`'s, collides with it: a service both affect, the same assignee.
    An `other` the viewer may not see is named "another change" only."""
    name = other.number if seen else "another change (of a team you do not work in)"
    found = []
    if affected(change) & affected(other):
        found.append(Conflict("service", f"{name[0].upper()}{name[1:]} changes the same service in an "
                                         "overlapping window.", other if seen else None))
    if change.assignee_id and other.assignee_id == change.assignee_id:
        found.append(Conflict("assignee", f"The assignee also implements {name} in an overlapping window.",
                              other if seen else None))
    return found


def window_conflicts(change: Any, freezes: Iterable[BlackoutWindow],
                     windows: dict[int, list[MaintenanceWindow]], texts: dict[int, str] | None = None
                     ) -> list[Conflict]:
    """`change`'s window against the change freezes (those of every service, or of one it affects, that overlap it
    block unless it is an emergency change) and the maintenance windows of each service it affects (outside all of
    a service's: flagged)."""
    start, end = change.planned_start, change.planned_end
    services = affected(change)
    emergency = change.change_type == ChangeType.EMERGENCY
    found = [Conflict("blackout", f"The window falls in the change freeze “{freeze.name}”"
                                  + (" (allowed: an emergency change)." if emergency else "."), blocking=not emergency)
             for freeze in freezes if freeze.starts_at < end and freeze.ends_at > start
             and (freeze.service_id is None or freeze.service_id in services)]
    for service_id in sorted(services):
        own = windows.get(service_id, [])
        if own and not any(inside(window, start, end) for window in own):
            text = (texts or {}).get(service_id) or ", ".join(str(window) for window in own)
            found.append(Conflict("maintenance", f"The window is outside the service's maintenance windows ({text})."))
    return found


def conflicts_among(changes: list[Any], start: datetime, end: datetime) -> dict[int, list[Conflict]]:
    """The collisions of many changes at once (the calendar of [start, end)): with each other (a sweep over the
    changes of each service they affect, and of each assignee, in start order), with the freezes of the period and
    with their services' maintenance windows, in three queries whatever their number. Every change here is on the
    calendar, so the others are named."""
    found: dict[int, list[Conflict]] = {change.pk: [] for change in changes}
    extra: dict[int, set[int]] = {}
    for change_id, service_id in Change.other_services.through.objects.filter(
            change_id__in=list(found)).values_list("change_id", "service_id"):
        extra.setdefault(change_id, set()).add(service_id)
    for change in changes:
        change.affected_ids = ({change.service_id} if change.service_id else set()) | extra.get(change.pk, set())
    by_service: dict[int, list[Any]] = {}
    by_assignee: dict[int, list[Any]] = {}
    for change in changes:
        for service_id in change.affected_ids:
            by_service.setdefault(service_id, []).append(change)
        if change.assignee_id:
            by_assignee.setdefault(change.assignee_id, []).append(change)
    for reason, groups in (("service", by_service), ("assignee", by_assignee)):
        seen_pairs: set[tuple[int, int]] = set()
        for group in groups.values():
            group.sort(key=lambda c: (c.planned_start, c.pk))
            for index, change in enumerate(group):
                for other in group[index + 1:]:
                    if other.planned_start >= change.planned_end:
                        break
                    if (change.pk, other.pk) in seen_pairs:  # two changes sharing two services: one conflict
                        continue
                    seen_pairs.add((change.pk, other.pk))
                    found[change.pk] += [c for c in pair_conflicts(change, other) if c.reason == reason]
                    found[other.pk] += [c for c in pair_conflicts(other, change) if c.reason == reason]
    freezes = list(BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start))
    services = set(by_service)
    windows: dict[int, list[MaintenanceWindow]] = {}
    for window in MaintenanceWindow.objects.filter(service_id__in=services) if services else []:
        windows.setdefault(window.service_id, []).append(window)
    texts = {service: ", ".join(str(window) for window in rows) for service, rows in windows.items()}
    for change in changes:
        found[change.pk] += window_conflicts(change, freezes, windows, texts)
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
