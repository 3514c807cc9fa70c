"""KPIs of availability, for the KPI dashboard (the contract of the continual-improvement issue).

- `availability_series(user, months)`: label "Availability of service", unit %, higher is better; per month, the
  average availability of the active services `user` may see (managers: all; agents: those their teams own or
  support; end users: None), the current month up to now; None for a month not begun. One query.
- `worst_availability_series(user, months)`: label "Lowest service availability", unit %, higher is better: the
  least available service of the month.
- `availability_drill_url(month)`: the availability page (every service, its months against its target).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from availability import report

LABEL = "Availability of service"
UNIT = "%"
HIGHER_IS_BETTER = True


def _figures(user: Any, months: list[date]) -> list[list[float]]:
    services = list(report.visible_services(user).filter(active=True).values_list("pk", flat=True))
    periods = [report.month_period(month) for month in months]
    if not services:
        return [[] for _ in months]
    found = report.figures(periods, services)
    result: list[list[float]] = []
    for index, period in enumerate(periods):
        values = [(found.get((index, pk)) or report.Figure(pk, period)).availability for pk in services]
        result.append([v for v in values if v is not None])
    return result


def availability_series(user: Any, months: list[date]) -> list[float | None]:
    """The average availability of the services per month."""
    return [round(sum(v) / len(v), 3) if v else None for v in _figures(user, months)]


def worst_availability_series(user: Any, months: list[date]) -> list[float | None]:
    """The lowest availability of a service per month."""
    return [min(v) if v else None for v in _figures(user, months)]


def availability_drill_url(month: date) -> str:
    """The availability page (services and their months against their targets)."""
    return reverse("availability")
