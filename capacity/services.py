"""Every write of capacity management.

- `record()`: store samples (once per metric and time: INSERT ... ON CONFLICT DO NOTHING), keep each metric's last
  value, then `evaluate()` the metrics that got new samples.
- `evaluate()`: compare each metric's last value with its thresholds and its forecast with its alert horizon, and
  tell event management (events.ingest, source "capacity", so the event rules apply and may raise an incident)
  once per crossing:
  - fingerprint `capacity/metric-<id>/level`: firing (severity warning, or major for critical) when the value
    rises into the warning or the critical band; resolved when it falls back under the warning threshold (falling
    from critical to warning only lowers the recorded level, so rising to critical again fires again);
  - fingerprint `capacity/metric-<id>/forecast`: firing when the forecast reaches the capacity within the metric's
    `alert_within_days` (severity minor), resolved when it no longer does.
  Each metric's row is locked while it is evaluated, so concurrent batches report a crossing once.
- `save_metric()`: create or change a metric (the managers' form and the API), validated by the model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from capacity import forecast
from capacity.choices import LEVEL_RANK, Level, Outlook
from capacity.ingest import Reading
from capacity.models import Metric
from core import clock
from events import ingest as events
from events.choices import Severity, Status
from events.models import Event

log = logging.getLogger(__name__)

SOURCE = "capacity"
LEVEL_SEVERITY = {Level.WARNING: Severity.WARNING, Level.CRITICAL: Severity.MAJOR}

INSERT = """
INSERT INTO capacity_sample (metric_id, at, value)
SELECT * FROM unnest(%s::integer[], %s::timestamptz[], %s::float8[])
ON CONFLICT (metric_id, at) DO NOTHING
RETURNING metric_id
"""
KEEP_LAST = """
UPDATE capacity_metric m SET last_value = s.value, last_at = s.at
FROM (SELECT DISTINCT ON (metric_id) metric_id, at, value FROM capacity_sample
      WHERE metric_id = ANY(%s) ORDER BY metric_id, at DESC) s
WHERE m.id = s.metric_id AND m.last_at IS DISTINCT FROM s.at
"""


def record(readings: Iterable[Reading], now: datetime | None = None, *, notify: bool = True) -> tuple[int, int]:
    """Store the readings not stored yet (by metric and time) and evaluate their metrics; (stored, duplicates).
    Without `notify` (demo data, back-filled history) the metrics' levels are updated without raising events."""
    readings = list(readings)
    if not readings:
        return 0, 0
    now = now or clock.now()
    ids = sorted({r.metric_id for r in readings})
    with transaction.atomic():
        list(Metric.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(INSERT, [[r.metric_id for r in readings], [r.at for r in readings],
                                    [r.value for r in readings]])
            stored = [row[0] for row in cursor.fetchall()]
            touched = sorted(set(stored))
            if touched:
                cursor.execute(KEEP_LAST, [touched])
        if touched:
            evaluate(touched, now, notify=notify)
    return len(stored), len(readings) - len(stored)


def level_of(metric: Metric) -> Level:
    """The threshold band of the metric's last value."""
    utilisation = metric.utilisation
    if utilisation is None:
        return Level.OK
    if utilisation >= metric.critical_pct:
        return Level.CRITICAL
    if utilisation >= metric.warning_pct:
        return Level.WARNING
    return Level.OK


def owner_name(metric: Metric) -> str:
    return getattr(metric, "ci_name", None) or getattr(metric, "service_name", None) or ""


def amount(metric: Metric, value: float | None) -> str:
    text = "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {metric.unit}".strip()


def event_for(metric: Metric, now: datetime, what: str, status: str, severity: str, message: str) -> Event:
    """An event about the metric, in event management's generic form (so rules map it to the CI by its name)."""
    return events.from_generic({
        "source": SOURCE, "node": owner_name(metric)[:200], "check": f"{metric.name} capacity"[:200],
        "severity": severity, "status": status, "message": message[:4000],
        "fingerprint": f"capacity/metric-{metric.pk}/{what}",
        "labels": {"capacity_metric_id": str(metric.pk), "metric": metric.name[:200], "unit": metric.unit,
                   **({"service": service} if (service := getattr(metric, "service_name", None)) else {})},
    }, now)


def level_event(metric: Metric, old: Level, new: Level, now: datetime) -> Event | None:
    """The event of a move between bands: up into warning or critical fires, back to normal resolves."""
    used = f"{metric.utilisation:.0f}%" if metric.utilisation is not None else "—"
    of = f"{metric.name} at {used} of its capacity ({amount(metric, metric.last_value)} of " \
         f"{amount(metric, metric.capacity)})"
    if LEVEL_RANK[new] > LEVEL_RANK[old]:
        threshold = metric.critical_pct if new == Level.CRITICAL else metric.warning_pct
        return event_for(metric, now, "level", Status.FIRING, LEVEL_SEVERITY[new],
                         f"{of}: above its {new.label.lower()} threshold of {threshold}%.")
    if new == Level.OK and old != Level.OK:
        return event_for(metric, now, "level", Status.RESOLVED, Severity.WARNING,
                         f"{of}: back under its warning threshold of {metric.warning_pct}%.")
    return None


def forecast_event(metric: Metric, seen: forecast.Forecast, alerting: bool, now: datetime) -> Event | None:
    """The event of the forecast moving into (or out of) the metric's alert horizon."""
    if alerting == metric.forecast_alert:
        return None
    if alerting:
        when = "now" if seen.outlook == Outlook.REACHED else f"on {seen.label}"
        return event_for(metric, now, "forecast", Status.FIRING, Severity.MINOR,
                         f"{metric.name} is forecast to reach its capacity of {amount(metric, metric.capacity)} "
                         f"{when} (within {metric.alert_within_days} days): plan a change.")
    return event_for(metric, now, "forecast", Status.RESOLVED, Severity.MINOR,
                     f"{metric.name} is no longer forecast to reach its capacity within "
                     f"{metric.alert_within_days} days.")


def alerting(metric: Metric, seen: forecast.Forecast, now: datetime) -> bool:
    if not metric.alert_within_days:
        return False
    days = seen.days_left(now)
    return days is not None and days <= metric.alert_within_days


def evaluate(metric_ids: Iterable[int], now: datetime | None = None, *, notify: bool = True) -> list[Event]:
    """Tell event management about each crossing of the metrics' thresholds and forecast horizon (once); the
    events stored (none without `notify`: the levels are only recorded)."""
    now = now or clock.now()
    with transaction.atomic():
        ids = list(Metric.objects.select_for_update().filter(pk__in=list(metric_ids)).order_by("pk")
                   .values_list("pk", flat=True))
        changed, found = [], []
        for metric in forecast.rows(now, ids=ids):
            seen = forecast.outlook(metric, now)
            old, new = Level(metric.level), level_of(metric)
            fire = alerting(metric, seen, now)
            made = [e for e in (level_event(metric, old, new, now), forecast_event(metric, seen, fire, now)) if e]
            if new != old or fire != metric.forecast_alert:
                metric.level, metric.forecast_alert = new, fire
                changed.append(metric)
            found += made
        if changed:
            Metric.objects.bulk_update(changed, ["level", "forecast_alert"])
        stored = events.store(found)[0] if found and notify else []
    return stored


def save_metric(metric: Metric, data: Mapping[str, Any]) -> Metric:
    """Create or change a metric from validated fields (model validation: one owner, thresholds in order)."""
    for name, value in data.items():
        setattr(metric, name, value)
    metric.full_clean()
    with transaction.atomic():
        metric.save()
        if metric.last_value is not None:
            evaluate([metric.pk])
    return metric
