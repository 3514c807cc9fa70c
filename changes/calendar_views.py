"""The change calendar pages: month and week views (filters by service, team, type and risk), conflicts flagged on
each change, and the iCalendar feeds a member of the desk subscribes to from Outlook or Google Calendar.

The grid is written in Python (core.html.escape on every user text): a month of 2,000 changes is many small
pieces, which a template loop would render several times slower."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.models import Team, User
from catalog.models import Service
from changes import calendar, feeds
from changes.calendar import Event
from changes.choices import ChangeType, Risk
from changes.models import CalendarFeed
from core.html import escape
from core.permissions import permission_required

SHOWN_PER_DAY = 4  # a month's day shows this many changes, then "+N more" (the week shows them all)
RISK_CLASS: dict[str, str] = {Risk.LOW: "risk-low", Risk.MODERATE: "risk-moderate", Risk.HIGH: "risk-high",
              Risk.VERY_HIGH: "risk-very-high"}


def anchor_of(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def chip(event: Event, *, with_time: bool = True) -> str:
    """One change on the grid: its start time, number and title, its risk as a colour, a warning for conflicts."""
    change = event.change
    start = timezone.localtime(change.planned_start)
    warn = ""
    if event.conflicts:
        texts = " ".join(conflict.text for conflict in event.conflicts)
        warn = (f'<span class="cal-warn" data-testid="cal-conflict" title="{escape(texts)}" aria-label="'
                f'{len(event.conflicts)} conflict{"s" if len(event.conflicts) > 1 else ""}: {escape(texts)}">⚠</span> ')
    label = ((f"{start:%H:%M} " if with_time else "")
             + f"<strong>{escape(change.number)}</strong> {escape(change.title)}")
    classes = f"cal-event {RISK_CLASS.get(change.risk, '')}" + (" cal-conflict" if event.conflicts else "")
    if change.change_type == ChangeType.EMERGENCY:
        classes += " cal-emergency"
    if event.linked:
        return (f'<a class="{classes}" href="{reverse("agent-change", args=[change.number])}" data-testid="cal-event"'
                f' data-number="{escape(change.number)}">{warn}{label}</a>')
    return f'<span class="{classes}" data-testid="cal-event" data-number="{escape(change.number)}">{warn}{label}</span>'


def month_html(days: dict[date, list[Event]], month: int, today: date, query: dict[str, Any]) -> str:
    """The month grid: a row per week, a cell per day with its first changes and "+N more" (the week view)."""
    rows = []
    week: list[str] = []
    for day, found in days.items():
        css = "cal-day" + (" cal-other-month" if day.month != month else "") + (" cal-today" if day == today else "")
        conflicts = sum(1 for event in found if event.conflicts)
        badge = (f' <span class="badge text-bg-warning" title="Changes with a conflict">{conflicts} ⚠</span>'
                 if conflicts else "")
        items = "".join(f"<li>{chip(event)}</li>" for event in found[:SHOWN_PER_DAY])
        more = ""
        if len(found) > SHOWN_PER_DAY:
            url = "?" + urlencode({**query, "view": "week", "date": day.isoformat()})
            more = (f'<li><a class="small" href="{url}" data-testid="cal-more">+{len(found) - SHOWN_PER_DAY} more'
                    "</a></li>")
        week.append(f'<td class="{css}" data-date="{day.isoformat()}"><div class="cal-date">{day.day}{badge}</div>'
                    f'<ul class="list-unstyled mb-0">{items}{more}</ul></td>')
        if len(week) == 7:
            rows.append("<tr>" + "".join(week) + "</tr>")
            week = []
    head = "".join(f'<th scope="col">{name}</th>' for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    return (f'<table class="table table-bordered cal-month" data-testid="cal-month"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def week_html(days: dict[date, list[Event]], today: date) -> str:
    """The week: a column per day with all its changes, their windows and conflicts written out."""
    columns = []
    for day, found in days.items():
        items = []
        for event in found:
            change = event.change
            starts, ends = timezone.localtime(change.planned_start), timezone.localtime(change.planned_end)
            window = f"{starts:%a %H:%M} – {ends:%a %H:%M}"
            details = "".join(f'<li class="text-warning-emphasis">{escape(c.text)}</li>' for c in event.conflicts)
            team = escape(change.team.name) if change.team_id and change.team else "No group"
            items.append(f'<li class="mb-2">{chip(event, with_time=False)}<div class="small text-body-secondary">'
                         f"{window} · {escape(Risk(change.risk).label)} risk · {team}</div>"
                         + (f'<ul class="small ps-3 mb-0">{details}</ul>' if details else "") + "</li>")
        css = "cal-week-day" + (" cal-today" if day == today else "")
        columns.append(f'<section class="{css}" data-date="{day.isoformat()}" aria-label="{day:%A %d %B}">'
                       f'<h2 class="h6">{day:%a %d %b}</h2><ul class="list-unstyled mb-0">'
                       + ("".join(items) or '<li class="small text-body-secondary">No change.</li>')
                       + "</ul></section>")
    return f'<div class="cal-week" data-testid="cal-week">{"".join(columns)}</div>'


@permission_required("tickets.work")
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The month (default) or week of the scheduled changes, filtered; bad filters are named, not ignored."""
    anchor = anchor_of(request)
    view = "week" if request.GET.get("view") == "week" else "month"
    try:
        filters = calendar.clean_filters(request.GET)
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        filters, errors = {}, exc.message_dict
    if view == "month":
        first, after = calendar.month_range(anchor.year, anchor.month)
        previous = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
        title = f"{anchor:%B %Y}"
    else:
        first = anchor - timedelta(days=anchor.weekday())
        after = first + timedelta(days=7)
        previous, following = first - timedelta(days=7), after
        title = f"Week of {first:%d %B %Y}"
    start, end = calendar.local_bounds(first, after)
    found = calendar.events(request.user, start, end, filters)
    days = calendar.by_day(found, first, after)
    query = {name: value for name, value in filters.items()}
    today = timezone.localdate()
    grid = month_html(days, anchor.month, today, query) if view == "month" else week_html(days, today)
    nav = {name: "?" + urlencode({**query, "view": view, "date": value.isoformat()})
           for name, value in (("previous", previous), ("next", following), ("today", today))}
    switch = "?" + urlencode({**query, "view": "month" if view == "week" else "week", "date": anchor.isoformat()})
    return render(request, "changes/agent/calendar.html", {
        "grid": mark_safe(grid), "view": view, "title": title, "nav": nav, "switch": switch,  # noqa: S308
        "count": len(found), "count_text": f"{len(found):,}",
        "conflicted": sum(1 for event in found if event.conflicts),
        "filters": filters, "errors": errors, "anchor": anchor,
        "services": Service.objects.filter(active=True).order_by("name").only("pk", "name"),
        "teams": Team.objects.order_by("name").only("pk", "name"),
        "types": ChangeType.choices, "risks": Risk.choices,
        "feeds": CalendarFeed.objects.filter(user=cast(User, request.user)).order_by("-created_at"),
        "new_feed_url": request.session.pop("new_feed_url", ""),
    }, status=400 if errors else 200)


@require_POST
@permission_required("tickets.work")
def create_feed(request: HttpRequest) -> HttpResponse:
    """A new iCalendar feed of the calendar with the current filters; its secret address is shown once."""
    try:
        filters = calendar.clean_filters(request.POST)
    except ValidationError as exc:
        messages.error(request, " ".join(" ".join(v) for v in exc.message_dict.values()))
        return redirect("agent-change-calendar")
    feed, token = feeds.create(request.user, filters, request.POST.get("name", ""))
    request.session["new_feed_url"] = request.build_absolute_uri(reverse("change-calendar-feed", args=[token]))
    messages.success(request, f"Feed “{feed.name}” created: copy its address now, it is shown only once.")
    return redirect(reverse("agent-change-calendar") + "#feeds")


@require_POST
@permission_required("tickets.work")
def revoke_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a feed of the user's (its address answers 404 from now on)."""
    deleted, _ = CalendarFeed.objects.filter(pk=pk, user=cast(User, request.user)).delete()
    if deleted:
        messages.success(request, "Feed revoked: its address no longer answers.")
    return redirect(reverse("agent-change-calendar") + "#feeds")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of a secret address (no session: calendar programs cannot sign in): the changes of the
    feed's filters from 30 days ago to a year ahead, as its owner may see them now."""
    return feeds.response(token)
