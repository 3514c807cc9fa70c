"""KPIs of the surveys for the KPI dashboard (the contract: `<name>_series(user, months)` and
`<name>_drill_url(month)`; months are first days of months in the desk's TIME_ZONE):

- `csat`: "Customer satisfaction (CSAT)", the average score (1-5) of the answers given in the month, higher is
  better; scoped by the access rule (managers every answer, agents the answers on tickets they may see: their
  teams' and those assigned to them, end users their own). Drill: the surveys report listing that month's
  answers.
- `nps`: "Net Promoter Score", % promoters (9-10) minus % detractors (0-6) of the NPS answers given in the month,
  -100 to 100, higher is better. NPS is not about tickets, so it cannot be scoped to a team: every role that
  sees the dashboard gets the overall figure. Drill: the surveys report's NPS section for that month.

Each series is one SQL query whatever the number of answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from surveys import figures


def csat_series(user: Any, months: list[date]) -> list[float | None]:
    """Average CSAT score per month (None: no answer that month)."""
    return figures.csat_average_by_month(figures.csat_answers(user), months)


def csat_drill_url(month: date) -> str:
    """The answers behind a month's CSAT."""
    return f"{reverse('surveys-report')}?{urlencode({'month': month.strftime('%Y-%m')})}"


def nps_series(user: Any, months: list[date]) -> list[float | None]:
    """NPS per month of the answers (None: no answer that month)."""
    return figures.nps_by_month(months)


def nps_drill_url(month: date) -> str:
    """The NPS answers given in a month."""
    return f"{reverse('surveys-report')}?{urlencode({'month': month.strftime('%Y-%m')})}#nps-answers"
