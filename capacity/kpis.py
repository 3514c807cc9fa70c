"""Capacity's KPI for the improvement dashboard (the KPI contract: plain functions, monthly series, SQL).

- `capacity_alerts_series(user, months)`: **Capacity alerts raised**, per month: the times a capacity metric
  crossed into its warning or critical band, or was forecast to reach its capacity soon (the firing events
  capacity management sent to event management, source "capacity"). Unit: alerts (a count). Lower is better:
  capacity planned ahead raises none. Scope: managers every metric; anyone else the metrics of the configuration
  items their teams support. One query.
- `capacity_alerts_drill_url(month)`: the page listing that month's capacity alerts (/agent/capacity/alerts/).

Not offered: desk utilisation per month. Open work per agent is a figure of the moment (capacity.desk); a month's
value would need the number of open tickets per agent on each day of the past, which the ticket history can
rebuild only at a cost out of proportion with what it tells (the backlog trend KPI already shows the load).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse

from accounts.roles import Role, has_role
from capacity.services import SOURCE
from events.choices import Status
from events.models import Event


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next, in the desk's time zone."""
    start = datetime.datetime(month.year, month.month, 1, tzinfo=zone())
    following = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone())
    return start, following


def capacity_alerts(user: Any) -> QuerySet[Event]:
    """The capacity alerts `user` may count: managers all; others those of their teams' CIs."""
    alerts = Event.objects.filter(source=SOURCE, status=Status.FIRING)
    if not has_role(user, Role.MANAGER):
        alerts = alerts.filter(ci__support_team__in=user.teams.values("pk"))
    return alerts


def capacity_alerts_series(user: Any, months: list[datetime.date]) -> list[float | None]:
    if not months:
        return []
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    counts = dict(capacity_alerts(user).filter(received_at__gte=start, received_at__lt=end)
                  .annotate(month=TruncMonth("received_at", tzinfo=zone())).order_by()
                  .values("month").annotate(n=Count("id")).values_list("month", "n"))
    found = {at.date() if isinstance(at, datetime.datetime) else at: n for at, n in counts.items()}
    return [float(found.get(month.replace(day=1), 0)) for month in months]


def capacity_alerts_drill_url(month: datetime.date) -> str:
    return f"{reverse('capacity-alerts')}?month={month:%Y-%m}"
