"""Availability arithmetic, in SQL: per service and period, the unplanned downtime and the availability.

For a period [since, until) (instants; a period still running is cut at now):
- the outages of the service are clipped to the period and merged where they overlap (PostgreSQL multiranges:
  `range_agg`), an ongoing one counting up to now;
- the planned maintenance of the service is taken out: the windows of its changes (the change's own service or one
  it also affects) that were scheduled, in implementation, in review or closed (the actual window where one was
  recorded, else the planned one);
- downtime = what remains of the full outages; degraded = what remains of the partial ones (shown, not counted);
- availability = 1 - downtime / the period's length, in percent.

`figures` answers any number of periods and services in one query; services with no outage in a period are 100%.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from accounts.roles import Role, has_role, role_of
from availability.choices import Severity
from availability.models import Outage
from catalog.models import Service
from changes.choices import State as ChangeState
from changes.models import Change
from core import clock
from core.models import Ticket

# a change in these states took (or is taking, or will take) its window: the service was down on purpose
MAINTENANCE_STATES = (ChangeState.SCHEDULED, ChangeState.IMPLEMENT, ChangeState.REVIEW, ChangeState.CLOSED)


@dataclass(frozen=True)
class Period:
    """[since, until) in instants; `label` names it on pages ("2026-11")."""

    since: datetime
    until: datetime
    label: str = ""

    @property
    def seconds(self) -> float:
        return max((self.until - self.since).total_seconds(), 0.0)


@dataclass
class Figure:
    """One service's availability over one period (seconds; `availability` in percent, None for an empty
    period: one that has not started yet)."""

    service_id: int
    period: Period
    downtime: float = 0.0
    planned: float = 0.0
    degraded: float = 0.0
    target: Decimal | None = None  # the service's, set by `table`

    @property
    def below(self) -> bool:
        """Whether the availability is under the service's target."""
        value = self.availability
        return value is not None and self.target is not None and value < float(self.target)

    @property
    def availability(self) -> float | None:
        seconds = self.period.seconds
        if seconds <= 0:
            return None
        return round(100.0 * (1.0 - self.downtime / seconds), 3)


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_period(month: date, now: datetime | None = None) -> Period:
    """The calendar month of `month` in the desk's time zone, cut at now while it runs."""
    zone = desk_zone()
    first = month_start(month)
    since = datetime(first.year, first.month, 1, tzinfo=zone)
    after = next_month(first)
    until = datetime(after.year, after.month, 1, tzinfo=zone)
    now = now or clock.now()
    return Period(since, max(min(until, now), since), first.strftime("%Y-%m"))


def last_months(count: int, now: datetime | None = None) -> list[date]:
    """The first days of the last `count` months, oldest first, the current one last."""
    now = now or clock.now()
    month = month_start(now.astimezone(desk_zone()).date())
    months = [month]
    for _ in range(count - 1):
        month = month_start(month - timedelta(days=1))
        months.append(month)
    return months[::-1]


def visible_services(user) -> QuerySet[Service]:
    """The services whose availability `user` may read: managers and admins all; agents those their teams own
    or support; nobody else any."""
    role = role_of(user)
    services = Service.objects.all()
    if role is None or not has_role(user, Role.AGENT):
        return services.none()
    if has_role(user, Role.MANAGER):
        return services
    teams = list(user.teams.values_list("pk", flat=True))
    return services.filter(Q(owner_team_id__in=teams) | Q(support_team_id__in=teams))


def _window_sql() -> str:
    """The planned-maintenance windows of the changes on each service, as (service_id, r) rows: a change's own
    service and those it also affects."""
    change, ticket = Change._meta.db_table, Ticket._meta.db_table
    others = Change.other_services.through._meta.db_table
    start = "COALESCE(c.actual_start, c.planned_start)"
    end = "CASE WHEN c.actual_start IS NOT NULL AND c.actual_end IS NOT NULL THEN c.actual_end ELSE c.planned_end END"
    where = (f"t.state = ANY(%(maintenance)s) AND {start} IS NOT NULL AND {end} > {start} "
             f"AND {start} < %(max_until)s AND {end} > %(min_since)s")
    return (f"SELECT t.service_id, tstzrange({start}, {end}) AS r FROM {change} c "  # noqa: S608 - table names
            f"JOIN {ticket} t ON t.id = c.ticket_ptr_id WHERE t.service_id IS NOT NULL AND {where} "
            f"UNION ALL SELECT o.service_id, tstzrange({start}, {end}) FROM {others} o "
            f"JOIN {change} c ON c.ticket_ptr_id = o.change_id JOIN {ticket} t ON t.id = c.ticket_ptr_id WHERE {where}")


def _seconds(expression: str) -> str:
    """The total length in seconds of a multirange expression (0 when empty or null)."""
    return f"COALESCE((SELECT EXTRACT(EPOCH FROM sum(upper(x) - lower(x))) FROM unnest({expression}) AS x), 0)"  # noqa: S608


def figures(periods: Sequence[Period], service_ids: Iterable[int] | None = None,
            now: datetime | None = None) -> dict[tuple[int, int], Figure]:
    """{(period index, service id): Figure} for the services that had an outage in a period (the others were
    available 100% of it), in one query. `service_ids` None: every service."""
    now = now or clock.now()
    live = [p for p in periods if p.seconds > 0]
    if not live:
        return {}
    outage = Outage._meta.db_table
    windows = _window_sql()
    only = "" if service_ids is None else "AND o.service_id = ANY(%(services)s)"
    # table names from the models and fixed fragments; every value is a parameter
    sql = f"""
        WITH periods AS (
            SELECT * FROM unnest(%(idx)s::int[], %(since)s::timestamptz[], %(until)s::timestamptz[])
                AS p(idx, since, until)),
        outages AS (
            SELECT o.service_id, o.severity, tstzrange(o.start, LEAST(COALESCE(o."end", %(now)s), %(now)s)) AS r
            FROM {outage} o
            WHERE o.start < %(now)s AND o.start < %(max_until)s AND (o."end" IS NULL OR o."end" > %(min_since)s)
            {only}),
        windows AS ({windows}),
        planned AS (SELECT service_id, range_agg(r) AS mr FROM windows GROUP BY service_id),
        down AS (
            SELECT p.idx, o.service_id,
                   range_agg(o.r * tstzrange(p.since, p.until)) FILTER (WHERE o.severity = %(full)s) AS full_mr,
                   range_agg(o.r * tstzrange(p.since, p.until)) FILTER (WHERE o.severity = %(partial)s) AS partial_mr
            FROM periods p JOIN outages o ON o.r && tstzrange(p.since, p.until)
            GROUP BY p.idx, o.service_id)
        SELECT d.idx, d.service_id,
               {_seconds("d.full_mr - COALESCE(pl.mr, '{}'::tstzmultirange)")},
               {_seconds("d.full_mr * COALESCE(pl.mr, '{}'::tstzmultirange)")},
               {_seconds("d.partial_mr - COALESCE(pl.mr, '{}'::tstzmultirange)")}
        FROM down d LEFT JOIN planned pl ON pl.service_id = d.service_id
    """  # noqa: S608
    params: dict[str, Any] = {
        "idx": [i for i, p in enumerate(periods) if p.seconds > 0],
        "since": [p.since for p in live], "until": [p.until for p in live], "now": now,
        "min_since": min(p.since for p in live), "max_until": max(p.until for p in live),
        "maintenance": [str(s) for s in MAINTENANCE_STATES], "full": str(Severity.FULL),
        "partial": str(Severity.PARTIAL), "services": list(service_ids) if service_ids is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {(idx, service_id): Figure(service_id, periods[idx], float(down), float(planned), float(degraded))
            for idx, service_id, down, planned, degraded in rows}


def figure(service_id: int, period: Period, now: datetime | None = None) -> Figure:
    """One service over one period (one query)."""
    return figures([period], [service_id], now=now).get((0, service_id)) or Figure(service_id, period)


@dataclass
class Row:
    """A service's line on the availability page: this month's figure, the last months', the target."""

    service: Service
    target: Decimal | None
    months: list[Figure]

    @property
    def current(self) -> Figure:
        return self.months[-1]

    @property
    def year(self) -> Figure:
        """The months together (downtime added up over their whole length)."""
        whole = Period(self.months[0].period.since, self.months[-1].period.until)
        total = Figure(self.service.pk, whole, target=self.target)
        for month in self.months:
            total.downtime += month.downtime
            total.planned += month.planned
            total.degraded += month.degraded
        return total


def table(user, months: int = 12, now: datetime | None = None, services: QuerySet[Service] | None = None) -> \
        tuple[list[Period], list[Row]]:
    """The availability page: every service `user` may see (active ones, or those given), with the figures of the
    last `months` months and its target. Two queries, whatever the services and outages."""
    now = now or clock.now()
    periods = [month_period(month, now) for month in last_months(months, now)]
    chosen = list((services if services is not None else visible_services(user).filter(active=True))
                  .select_related("availability_target", "support_team").order_by("name"))
    found = figures(periods, [s.pk for s in chosen], now=now) if chosen else {}
    rows = []
    for service in chosen:
        target = getattr(getattr(service, "availability_target", None), "target", None)
        figures_of = [found.get((i, service.pk)) or Figure(service.pk, p) for i, p in enumerate(periods)]
        for figure_of in figures_of:
            figure_of.target = target
        rows.append(Row(service, target, figures_of))
    return periods, rows
