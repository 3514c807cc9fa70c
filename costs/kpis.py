"""KPI of the cost of each contact, for the KPI dashboard (the contract of the continual-improvement issue).

- `cost_per_contact_series(user, months)`: label "Cost per contact", unit COSTS_CURRENCY (e.g. EUR), lower is
  better; per month, the total cost of the incidents opened that month (time logged at the team's hourly rate,
  fixed cost per ticket, channel cost) / their number; None for a month without contacts. Managers: every team;
  agents: their teams' contacts; end users: None everywhere. One query (costs.report).
- `cost_per_contact_drill_url(month)`: the incidents opened that month (the agent queue, filtered).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from costs import report

LABEL = "Cost per contact"
HIGHER_IS_BETTER = False


def unit() -> str:
    return report.currency()


def cost_per_contact_series(user: Any, months: list[date]) -> list[float | None]:
    """One value per month of `months` (first days of months, desk time zone)."""
    if not months:
        return []
    found = {row.month: row.per_contact for row in report.rows(user, months)}
    values = [found.get(month.replace(day=1)) for month in months]
    return [float(value) if value is not None else None for value in values]


def cost_per_contact_drill_url(month: date) -> str:
    """The incidents behind that month's figure: those opened in it."""
    since, until = report.month_bounds(month, month)
    query = {"queue": "recent", "opened_after": since.isoformat(), "opened_before": until.isoformat()}
    return f"{reverse('agent-incidents')}?{urlencode(query)}"
