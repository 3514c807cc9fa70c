"""iCalendar (RFC 5545) feeds of the change calendar: a secret address per member of the desk and filter set,
read by Outlook or Google Calendar without signing in. The feed holds what the calendar shows its owner now,
from 30 days ago to a year ahead; a user who left the desk (inactive, or no longer an agent) gets 404."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import Http404, HttpResponse

from accounts.roles import Role, has_role
from changes import calendar
from changes.calendar import Event
from changes.choices import ChangeType, Risk, State
from changes.models import CalendarFeed
from core import clock
from core.notifications import site_link

PAST, AHEAD = timedelta(days=30), timedelta(days=365)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: Any, filters: dict[str, Any], name: str = "") -> tuple[CalendarFeed, str]:
    """A new feed of `user` for `filters`; returns it and its token (kept only as a hash)."""
    token = secrets.token_urlsafe(24)
    name = name.strip()[:120] or describe(filters)
    return CalendarFeed.objects.create(user=user, name=name, token_hash=digest(token), filters=filters), token


def describe(filters: dict[str, Any]) -> str:
    """A feed's default name, from its filters."""
    from accounts.models import Team
    from catalog.models import Service

    parts = []
    if "service" in filters:
        parts.append(str(Service.objects.filter(pk=filters["service"]).values_list("name", flat=True).first() or ""))
    if "team" in filters:
        parts.append(str(Team.objects.filter(pk=filters["team"]).values_list("name", flat=True).first() or ""))
    if "change_type" in filters:
        parts.append(f"{ChangeType(filters['change_type']).label} changes")
    if "risk" in filters:
        parts.append(f"{Risk(filters['risk']).label} risk")
    return "Changes" + (": " + ", ".join(part for part in parts if part) if parts else "")


def response(token: str) -> HttpResponse:
    """The feed of a token as text/calendar, or 404 (unknown token, or its owner no longer on the desk)."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=digest(token)).first()
    if feed is None or not feed.user.is_active or not has_role(feed.user, Role.AGENT):
        raise Http404("No such calendar.")
    now = clock.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    try:
        filters = calendar.clean_filters(feed.filters)
    except Exception:  # a service or team deleted since: the feed shows nothing rather than everything
        filters = {"service": 0}
    found = calendar.events(feed.user, now - PAST, now + AHEAD, filters)
    body = write(found, f"Changes — {feed.name}", now)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="changes.ics"',
                                 "Cache-Control": "private, max-age=300"})


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """A content line folded at 75 octets (a continuation starts with a space), never inside a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space of a continuation counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def stamp(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def write(found: Iterable[Event], name: str, now: datetime) -> str:
    """The VCALENDAR of `found`: a VEVENT per change (UID its number, times in UTC, the conflicts in its
    description, its page as URL when the owner may open it)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Open ITSM//Change calendar//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}", "X-PUBLISHED-TTL:PT1H"]
    host = site_link("/").split("//", 1)[-1].strip("/").split("/")[0] or "itsm"
    for event in found:
        change = event.change
        description = [f"{change.get_state_display()} · {ChangeType(change.change_type).label} · "
                       f"{Risk(change.risk).label} risk",
                       *(f"Conflict: {conflict.text}" for conflict in event.conflicts)]
        lines += ["BEGIN:VEVENT", f"UID:{change.number}@{host}", f"DTSTAMP:{stamp(now)}",
                  f"DTSTART:{stamp(change.planned_start)}", f"DTEND:{stamp(change.planned_end)}",
                  f"SUMMARY:{escape_text(f'{change.number} {change.title}')}",
                  f"DESCRIPTION:{escape_text(chr(10).join(description))}",
                  f"CATEGORIES:{escape_text(ChangeType(change.change_type).label)},"
                  f"{escape_text(Risk(change.risk).label + ' risk')}",
                  f"STATUS:{'CONFIRMED' if change.state in (State.SCHEDULED, State.IMPLEMENT) else 'TENTATIVE'}"]
        if event.linked:
            lines.append(f"URL:{site_link(f'/agent/changes/{change.number}/')}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
