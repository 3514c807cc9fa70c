"""Series as the dashboard and the API read them: the monthly rollup (KpiSnapshot), recomputed when stale.

Computing every KPI over a million tickets takes seconds (the journal-based ones most), so the dashboard reads the
kept values: a past month's figure is kept KPI_SNAPSHOT_MINUTES (it changes rarely: a late reopen, a ticket moved to
another team), the running month's KPI_RUNNING_SNAPSHOT_MINUTES. Celery keeps the managers' default view (every
KPI, no filters) fresh (improvement.tasks.refresh_snapshots: the running month every few minutes, the past months
hourly); any other scope (an agent's teams) or filters is computed by its first reader and kept the same way.
`fresh=True` computes everything on the spot (the API's `?fresh=true`, the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from core import clock, kinds
from improvement.kpis import Kpi
from improvement.kpis.periods import current_month
from improvement.kpis.scope import filters_key, scope_key
from improvement.models import KpiSnapshot

Series = list[float | None]
REFRESH_AHEAD = timedelta(minutes=10)  # past months are recomputed this long before their kept values go stale


@dataclass(frozen=True)
class Figures:
    """Each KPI's series (by key), and when the oldest of their values was computed."""

    series: dict[str, Series]
    computed_at: datetime


def max_age(month: date, now: datetime) -> timedelta:
    """How long a month's kept value is read: shorter for the running month."""
    if month >= current_month(now):
        return timedelta(minutes=getattr(settings, "KPI_RUNNING_SNAPSHOT_MINUTES", 10))
    return timedelta(minutes=getattr(settings, "KPI_SNAPSHOT_MINUTES", 60))


def _runs(months: list[date]) -> list[list[date]]:
    """Consecutive runs of months (a KPI computes a run of months in one query)."""
    runs: list[list[date]] = []
    for month in months:
        if runs and (runs[-1][-1].year * 12 + runs[-1][-1].month + 1) == month.year * 12 + month.month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def series_of(kpis: list[Kpi], user: Any, months: list[date], filters: dict[str, Any] | None = None, *,
              fresh: bool = False, now: datetime | None = None) -> Figures:
    """Each KPI's series for `user` over `months`: one query reads the kept values of all of them; a KPI with
    months missing or stale computes them (one query per consecutive run of months) and keeps them.
    Returns the series, and sets `computed_at` (the oldest figure's time) on the result's "_computed_at" key."""
    now = now or clock.now()
    scope = scope_key(user)
    keys = {kpi.key: filters_key(kpi.supported(filters)) for kpi in kpis}
    kept: dict[tuple[str, date], tuple[float | None, datetime]] = {}
    if not fresh:
        oldest = now - max(max_age(months[0], now), max_age(months[-1], now))
        rows = KpiSnapshot.objects.filter(kpi__in=list(keys), scope=scope, filters__in=set(keys.values()),
                                          month__in=months, computed_at__gte=oldest)
        kept = {(row.kpi, row.month): (row.value, row.computed_at) for row in rows
                if row.filters == keys[row.kpi] and row.computed_at >= now - max_age(row.month, now)}
    result: dict[str, Series] = {}
    stamps: list[datetime] = []
    for kpi in kpis:
        values = {month: kept[(kpi.key, month)][0] for month in months if (kpi.key, month) in kept}
        stamps += [kept[(kpi.key, month)][1] for month in values]
        for run in _runs([month for month in months if month not in values]):
            computed = dict(zip(run, kpi.values(user, run, filters), strict=True))
            values.update(computed)
            stamps.append(now)
            if not fresh:
                store(kpi.key, scope, keys[kpi.key], computed, now)
        result[kpi.key] = [values[month] for month in months]
    return Figures(result, min(stamps) if stamps else now)


def top_problems(user: Any, filters: dict[str, Any] | None = None, *, fresh: bool = False) -> list[dict[str, Any]]:
    """The problems with the most incidents (kinds.practices.top_problems: a ranked list over every "caused by" link,
    seconds over a million tickets), kept in the cache as long as the running month's values."""
    from django.core.cache import cache

    from core.models import Ticket
    from improvement.kpis import practices

    narrowing = {k: v for k, v in (filters or {}).items() if k in ("team", "service", "priority") and v}
    key = f"kpi-top-problems:{scope_key(user)}:{filters_key(narrowing)}"
    kept = None if fresh else cache.get(key)
    if kept is None:
        kept = [(row["ticket"].pk, row["incidents"]) for row in practices.top_problems(user, **narrowing)]
        cache.set(key, kept, int(max_age(current_month(), clock.now()).total_seconds()))
    tickets = Ticket.objects.in_bulk([pk for pk, _n in kept])
    return [{"ticket": tickets[pk], "incidents": n, "url": kinds.agent_url_of(tickets[pk])}
            for pk, n in kept if pk in tickets]


def store(kpi: str, scope: str, filters: str, values: dict[date, float | None], now: datetime) -> None:
    """Keep (insert or replace) the values of past months."""
    rows = [KpiSnapshot(kpi=kpi, scope=scope, filters=filters, month=month, value=value, computed_at=now)
            for month, value in values.items()]
    KpiSnapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["kpi", "scope", "filters", "month"],
                                    update_fields=["value", "computed_at"])


def forget(scope: str | None = None) -> int:
    """Drop the kept values (of one scope); returns how many."""
    rows = KpiSnapshot.objects.all() if scope is None else KpiSnapshot.objects.filter(scope=scope)
    return rows.delete()[0]


def refresh_default(now: datetime | None = None, *, everything: bool = False) -> int:
    """Keep the managers' default view (every KPI, no filters, last twelve months) fresh for its readers, as the
    first active manager or admin reads it: the running month always; the past months when their kept values are
    within a beat of going stale (or `everything`). Returns how many values were computed."""
    from accounts.models import User
    from accounts.roles import Role
    from improvement import kpis
    from improvement.kpis.periods import DEFAULT_MONTHS, last_months

    now = now or clock.now()
    reader = (User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.ADMIN]).order_by("pk").first()
              or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first())
    if reader is None:
        return 0
    months = last_months(DEFAULT_MONTHS, now)
    scope, unfiltered = scope_key(reader), filters_key({})
    soon = now + REFRESH_AHEAD
    computed = 0
    for kpi in kpis.registered():
        fresh_past = set(KpiSnapshot.objects.filter(
            kpi=kpi.key, scope=scope, filters=unfiltered, month__in=months[:-1],
            computed_at__gte=soon - max_age(months[0], now)).values_list("month", flat=True))
        due = [month for month in months[:-1] if everything or month not in fresh_past] + months[-1:]
        for run in _runs(due):
            store(kpi.key, scope, unfiltered, dict(zip(run, kpi.values(reader, run), strict=True)), now)
            computed += len(run)
    top_problems(reader, fresh=True)
    return computed
