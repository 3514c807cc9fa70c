"""Template helpers for e-mails: the site address, dates and durations as people read them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.template.defaultfilters import date as date_filter

from core.notifications import site_link

register = template.Library()

# "2 Dec 2026, 17:26 CET": in the time zone active while rendering (the recipient's), without seconds.
MAIL_DATETIME_FORMAT = "j M Y, H:i T"


@register.simple_tag
def site_url(path: str = "/") -> str:
    """An absolute link on the configured site address (settings.SITE_URL)."""
    return site_link(path)


@register.filter(expects_localtime=True)
def when(value: datetime | None) -> str:
    """A date and time for a person: day, month, year, hours and minutes, and the zone's abbreviation."""
    return date_filter(value, MAIL_DATETIME_FORMAT) if value else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """A duration in words: "4 h", "1 h 30 min", "2 d 3 h", "45 min"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"
