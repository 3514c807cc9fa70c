"""`{{ seconds|downtime }}`, `{{ minutes|minutes }}`: a duration in words ("2 h 15 min", "0 min");
`{{ value|percent }}`: "99.9%"."""

from __future__ import annotations

from typing import Any

from django import template

from core.activity import duration

register = template.Library()


@register.filter
def downtime(seconds: Any) -> str:
    """Seconds, rounded to the minute, in words."""
    return duration(round(float(seconds or 0) / 60))


@register.filter
def minutes(value: Any) -> str:
    return duration(int(value or 0))


@register.filter
def percent(value: Any) -> str:
    """A percentage to at most three decimals, without trailing zeros: "99.9%", "100%", "99.722%"."""
    if value is None:
        return "—"
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return f"{text}%"
