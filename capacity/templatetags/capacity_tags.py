"""The capacity panel of the CI page (templates/cmdb/detail.html): `{% load capacity_tags %}{% capacity_panel ci %}`
(one query: the CI's metrics with their forecast)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import can
from capacity import forecast
from capacity.choices import Outlook
from capacity.views import decorate
from core import clock

register = template.Library()


@register.inclusion_tag("capacity/_ci_panel.html", takes_context=True)
def capacity_panel(context: dict[str, Any], ci: Any) -> dict[str, Any]:
    now = clock.now()
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"ci": ci, "metrics": [decorate(m, now) for m in forecast.rows(now, ci_id=ci.pk)], "Outlook": Outlook,
            "can_manage": can(user, "capacity.manage")}


@register.filter
def amount(value: float | None, unit: str = "") -> str:
    """A value in its unit, as people write it: "3,212 GB", "0.5 GB", "49%" (at most two decimals)."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".strip()
