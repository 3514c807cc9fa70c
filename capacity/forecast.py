"""The forecast of a capacity metric: a least-squares straight line through the samples of its window (the metric's
`window_days` before now), fitted in PostgreSQL (regr_slope, regr_intercept over the time in days), extended to
the day it reaches the capacity.

`rows()` is the one query behind the capacity report, the API's report and a metric's page: every metric (or the
given ones) with its fit, its utilisation and the day its line reaches the capacity, sorted closest to exhaustion
first: those whose forecast reaches the capacity within a year by that date, then the others by utilisation.

Reading a fit (`outlook()`): the last value at or over the capacity is "reached"; fewer than two samples in the
window (or all at one time) is "unknown"; a line that does not rise is "not rising"; one that reaches the capacity
more than a year ahead is "not within a year"; otherwise the date (today if the line is already past it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from capacity.choices import Outlook
from capacity.models import Metric

HORIZON_DAYS = 365
DAY_SECONDS = 86400

SQL = """
SELECT m.*, ci.name AS ci_name, sv.name AS service_name, fit.slope, fit.intercept, fit.n,
       m.last_value / m.capacity * 100 AS used_pct,
       CASE WHEN fit.slope > 0 THEN (m.capacity - fit.intercept) / fit.slope END AS reach_day
FROM capacity_metric m
LEFT JOIN cmdb_configurationitem ci ON ci.id = m.ci_id
LEFT JOIN catalog_service sv ON sv.id = m.service_id
LEFT JOIN LATERAL (
    SELECT regr_slope(s.value, extract(epoch FROM s.at)::float8 / 86400) AS slope,
           regr_intercept(s.value, extract(epoch FROM s.at)::float8 / 86400) AS intercept,
           count(*) AS n
    FROM capacity_sample s
    WHERE s.metric_id = m.id AND s.at > %(now)s - m.window_days * interval '1 day' AND s.at <= %(now)s
) fit ON true
{where}
ORDER BY CASE WHEN fit.slope > 0 AND (m.capacity - fit.intercept) / fit.slope <= %(horizon)s
              THEN (m.capacity - fit.intercept) / fit.slope END ASC NULLS LAST,
         used_pct DESC NULLS LAST, m.name, m.id
{limit}
"""


def day_of(at: datetime) -> float:
    """A time as the x of the fit: days since the Unix epoch."""
    return at.timestamp() / DAY_SECONDS


def time_of(day: float) -> datetime:
    return datetime.fromtimestamp(day * DAY_SECONDS, tz=UTC)


def rows(now: datetime, *, ids: Sequence[int] | None = None, ci_id: int | None = None, limit: int | None = None,
         offset: int = 0) -> list[Metric]:
    """Metrics (all, those of `ids`, or those of one CI) with their fit (`slope` per day, `intercept`, `n`
    samples), `used_pct` (%), `reach_day`, and `ci_name` / `service_name`, closest to exhaustion first: one
    query."""
    params: dict[str, object] = {"now": now, "horizon": day_of(now) + HORIZON_DAYS}
    where = ""
    if ids is not None:
        where, params["ids"] = "WHERE m.id = ANY(%(ids)s)", list(ids)
    elif ci_id is not None:
        where, params["ci"] = "WHERE m.ci_id = %(ci)s", ci_id
    page = ""
    if limit is not None:
        page, params["limit"], params["offset"] = "LIMIT %(limit)s OFFSET %(offset)s", limit, offset
    return list(Metric.objects.raw(SQL.format(where=where, limit=page), params))


@dataclass(frozen=True)
class Forecast:
    """What a metric's fit says: the outlook, the time the line reaches the capacity (if it rises), its slope
    per day, and the fitted line's ends over the window and up to that time (for the chart)."""

    outlook: Outlook
    reach_at: datetime | None
    slope_per_day: float | None
    samples: int

    @property
    def label(self) -> str:
        if self.outlook == Outlook.DATE and self.reach_at is not None:
            return f"{self.reach_at:%d %b %Y}"
        return str(self.outlook.label)

    def days_left(self, now: datetime) -> int | None:
        if self.outlook == Outlook.REACHED:
            return 0
        if self.outlook != Outlook.DATE or self.reach_at is None:
            return None
        return max(0, (self.reach_at - now).days)


def outlook(metric: Metric, now: datetime) -> Forecast:
    """Read the fit of a metric from `rows()`."""
    slope, n = getattr(metric, "slope", None), int(getattr(metric, "n", 0) or 0)
    reach_day = getattr(metric, "reach_day", None)
    if metric.last_value is not None and metric.last_value >= metric.capacity:
        return Forecast(Outlook.REACHED, None, slope, n)
    if slope is None or n < 2:
        return Forecast(Outlook.UNKNOWN, None, slope, n)
    if slope <= 0 or reach_day is None:
        return Forecast(Outlook.NOT_RISING, None, slope, n)
    reach_at = max(time_of(reach_day), now)
    if reach_at > now + timedelta(days=HORIZON_DAYS):
        return Forecast(Outlook.BEYOND, reach_at, slope, n)
    return Forecast(Outlook.DATE, reach_at, slope, n)


def line(metric: Metric, now: datetime, forecast: Forecast) -> list[tuple[datetime, float]]:
    """The fitted line's two ends for the chart: from the window's start to the time it reaches the capacity
    (or a quarter ahead when it does not within a year, or now when it does not rise)."""
    slope, intercept = getattr(metric, "slope", None), getattr(metric, "intercept", None)
    if slope is None or intercept is None:
        return []
    start = now - timedelta(days=metric.window_days)
    end = forecast.reach_at if forecast.outlook == Outlook.DATE and forecast.reach_at else (
        now + timedelta(days=90) if slope > 0 else now)
    return [(at, intercept + slope * day_of(at)) for at in (start, end)]
