"""Months of the KPI series: first days of months in the desk's time zone (settings.TIME_ZONE), and their bounds."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core import clock

DEFAULT_MONTHS = 12
MAX_MONTHS = 36


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def current_month(now: datetime | None = None) -> date:
    local = timezone.localtime(now or clock.now(), desk_zone())
    return date(local.year, local.month, 1)


def last_months(count: int = DEFAULT_MONTHS, now: datetime | None = None) -> list[date]:
    """The last `count` months, oldest first, the current (running) month last."""
    months = [current_month(now)]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


def start_of(month: date) -> datetime:
    """The instant the month starts in the desk's time zone."""
    return datetime.combine(month, time.min, tzinfo=desk_zone())


def bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a month as instants."""
    return start_of(month), start_of(next_month(month))


def span(months: list[date]) -> tuple[datetime, datetime]:
    """[start of the first month, end of the last) of a list of consecutive months."""
    return start_of(months[0]), start_of(next_month(months[-1]))


def parse_month(value: str) -> date:
    """`YYYY-MM` to the first day of that month; ValueError otherwise."""
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except (TypeError, ValueError) as exc:
        raise ValueError("A month is written YYYY-MM.") from exc
    if parsed.year < 2000:
        raise ValueError("A month is written YYYY-MM, from 2000 on.")
    return date(parsed.year, parsed.month, 1)


def label(month: date) -> str:
    return f"{month:%b %Y}"
