"""The figures of the manager's SLA dashboard, computed in SQL (counts and averages), for a period.

Every figure starts from the access rule (`Ticket.objects.visible_to`) and says which tickets it counts, so
the dashboard can link each number to the list behind it (the agent queue with the same filters).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.roles import Role, has_role
from core import clock, kinds
from core.filters import utc_instant
from core.kinds import Kind
from core.models import Ticket
from sla.models import BREACH, SlaTimer, Stage, Target

log = logging.getLogger(__name__)
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
AGE_BUCKETS = [  # label, lower bound (days), upper bound (days, exclusive; None = no bound)
    ("< 1 day", 0, 1),
    ("1-3 days", 1, 3),
    ("3-7 days", 3, 7),
    ("7-30 days", 7, 30),
    ("> 30 days", 30, None),
]


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @property
    def label(self) -> str:
        return f"{self.since:%Y-%m-%d} - {self.until:%Y-%m-%d}"


def parse_period(value: str | None, since: str | None = None, until: str | None = None, now=None) -> Period:
    """`7d`, `30d`, `90d`, or `custom` with ISO dates `since`/`until` (inclusive days). Raises ValueError."""
    now = now or clock.now()
    value = value or "30d"
    if value in PERIODS:
        return Period(now - timedelta(days=PERIODS[value]), now)
    if value == "custom":
        try:
            start = datetime.fromisoformat(since or "")
            end = datetime.fromisoformat(until or "")
        except ValueError as exc:
            raise ValueError("A custom period needs since and until as dates (YYYY-MM-DD).") from exc
        tz = timezone.get_current_timezone()
        try:
            start = timezone.make_aware(start, tz) if timezone.is_naive(start) else start
            end = timezone.make_aware(end, tz) if timezone.is_naive(end) else end
            end += timedelta(days=1) if len(until or "") <= 10 else timedelta(0)
        except OverflowError as exc:  # e.g. until 9999-12-31: the day after does not exist
            raise ValueError("The dates are out of range.") from exc
        for instant in (start, end):
            utc_instant(instant)  # a UTC offset no time zone has (+23:00) is refused here, not by the database
        if end <= start:
            raise ValueError("until must come after since.")
        if end - start > timedelta(days=3 * 366):
            raise ValueError("A period is at most three years long.")
        return Period(start, end)
    raise ValueError(f"Unknown period {value!r}: use 7d, 30d, 90d or custom.")


def report_kinds() -> list[Kind]:
    """The kinds the SLA figures are reported for, one at a time (those with an agent queue to drill into); the
    first is the default."""
    return [kind for kind in kinds.registered() if kind.queue_url_name]


def _scoped(qs: QuerySet, user, kind: str | None = None, ticket_field: str = "ticket") -> QuerySet:
    """Restrict to tickets the user may see (of one kind when `kind` is given). Managers and admins see all: no
    subquery for them."""
    if kind is not None:  # a timer carries its ticket's kind (SlaTimer.ticket_kind); a ticket its own
        qs = qs.filter(ticket_kind=kind) if ticket_field == "ticket" else qs.filter(**{f"{ticket_field}__kind": kind})
    if has_role(user, Role.MANAGER):
        return qs
    return qs.filter(**{f"{ticket_field}__in": Ticket.objects.visible_to(user).values("pk")})


def _tickets(user, kind: str | None) -> QuerySet:
    """The tickets the user may see, of one kind when `kind` is given."""
    tickets = Ticket.objects.visible_to(user) if not has_role(user, Role.MANAGER) else Ticket.objects.all()
    return tickets.filter(kind=kind) if kind is not None else tickets


def _row(key, label, total: int, met: int, tickets: int, met_tickets: int, breached_tickets: int) -> dict:
    return {
        "key": key, "label": label if label is not None else "(none)",
        "total": total, "met": met, "breached": total - met,
        "compliance": round(100.0 * met / total, 1) if total else None,
        "tickets": tickets, "met_tickets": met_tickets, "breached_tickets": breached_tickets,
    }


def _compliance_rows(qs: QuerySet, key: str, label: str) -> list[dict]:
    """Timers met / total per group, and how many distinct tickets those timers belong to (the drill-down lists
    tickets: one ticket can have a response and a resolution timer in the same group)."""
    rows = (
        qs.values(key, label)
        .annotate(
            total=Count("id"), met=Count("id", filter=Q(stage=Stage.ACHIEVED)),
            tickets=Count("ticket_id", distinct=True),
            met_tickets=Count("ticket_id", distinct=True, filter=Q(stage=Stage.ACHIEVED)),
            breached_tickets=Count("ticket_id", distinct=True, filter=Q(stage=Stage.BREACHED)),
        )
        .order_by(label)
    )
    return [_row(row[key], row[label], row["total"], row["met"], row["tickets"], row["met_tickets"],
                 row["breached_tickets"]) for row in rows]


def completed_timers(user, period: Period, kind: str | None = None) -> QuerySet:
    """Timers that reached their outcome (achieved or breached) within the period."""
    qs = SlaTimer.objects.filter(
        stopped_at__gte=period.since, stopped_at__lt=period.until, stage__in=[Stage.ACHIEVED, Stage.BREACHED]
    )
    return _scoped(qs, user, kind)


# The groupings of the compliance figures: name -> (key, label) columns of the timers' query.
# Service, team and priority are read off the timer (SlaTimer's copy of its ticket's fields): no join to the
# tickets, whatever their number.
COMPLIANCE_DIMENSIONS = {
    "definition": ("definition_id", "definition__name"),
    "service": ("service_id", "service__name"),
    "team": ("team_id", "team__name"),
    "priority": ("priority", "priority"),
}


@dataclass(frozen=True)
class Completed:
    """The completed timers of a period (those the compliance tables count), aggregated once.

    `compliance`: the rows of every grouping (as `_compliance_rows` makes them); `summary`: the headline (timers,
    met, distinct tickets, breached before the period); `business`: per target, the mean business time of the
    timers and their number (the business half of `mean_times`).
    """

    compliance: dict[str, list[dict]]
    summary: dict[str, int]
    business: dict[str, tuple[timedelta | None, int]]


# One statement reads the period's completed timers once (the index sla_timer_completed holds every column it
# needs: an index-only scan, the table is not visited) and aggregates them twice:
#  - per timer, by definition, by target (for the business mean times) and in total: GROUPING SETS. A ticket has
#    at most one timer per definition (sla_timer_unique), so a definition's tickets are its timers.
#  - per ticket first, then by service, team and priority and in total: the tickets of a group are then the rows
#    counted, no COUNT(DISTINCT) (which sorts every group). This holds when all the timers of a ticket carry the
#    same service, team and priority, which sla.services keeps true (the ticket's values, copied on every change);
#    `again` counts the rows of a ticket already seen with another combination, and if there is any, those three
#    groupings are counted the straightforward way instead (`_compliance_rows`): the figures never depend on it.
COMPLETED_SQL = """
WITH c AS NOT MATERIALIZED ({timers}),
per_ticket AS (
    SELECT service_id, team_id, priority, COUNT(*) AS n, COUNT(*) FILTER (WHERE stage = %s) AS met,
           ticket_id = LAG(ticket_id) OVER (ORDER BY ticket_id) AS again
    FROM c GROUP BY ticket_id, service_id, team_id, priority
),
figures AS (
    SELECT CASE GROUPING(c.definition_id, d.target) WHEN 1 THEN 'definition' WHEN 2 THEN 'target' ELSE 'timers' END
               AS grouping,
           c.definition_id, d.target, NULL::integer AS service_id, NULL::integer AS team_id,
           NULL::integer AS priority, COUNT(*) AS total, COUNT(*) FILTER (WHERE c.stage = %s) AS met,
           NULL::bigint AS tickets, NULL::bigint AS met_tickets, NULL::bigint AS breached_tickets,
           AVG(c.elapsed) AS mean, COUNT(*) FILTER (WHERE c.stage = %s AND c.breached_at < %s) AS breached_earlier,
           0::bigint AS again
    FROM c JOIN {definitions} d ON d.id = c.definition_id
    GROUP BY GROUPING SETS ((c.definition_id), (d.target), ())
    UNION ALL
    SELECT CASE GROUPING(service_id, team_id, priority) WHEN 3 THEN 'service' WHEN 5 THEN 'team'
               WHEN 6 THEN 'priority' ELSE 'tickets' END,
           NULL, NULL, service_id, team_id, priority, SUM(n)::bigint, SUM(met)::bigint,
           COUNT(*), COUNT(*) FILTER (WHERE met > 0), COUNT(*) FILTER (WHERE n > met), NULL, NULL,
           COUNT(*) FILTER (WHERE again)
    FROM per_ticket GROUP BY GROUPING SETS ((service_id), (team_id), (priority), ())
)
SELECT f.grouping, f.definition_id, f.target, f.service_id, f.team_id, f.priority, f.total, f.met, f.tickets,
       f.met_tickets, f.breached_tickets, f.mean, f.breached_earlier, f.again,
       COALESCE(dn.name, s.name, tm.name) AS label
FROM figures f
LEFT JOIN {definitions} dn ON dn.id = f.definition_id
LEFT JOIN {services} s ON s.id = f.service_id
LEFT JOIN {teams} tm ON tm.id = f.team_id
ORDER BY f.grouping, label, f.priority, f.definition_id, f.service_id, f.team_id
"""
COLUMNS = ("grouping", "definition_id", "target", "service_id", "team_id", "priority", "total", "met", "tickets",
           "met_tickets", "breached_tickets", "mean", "breached_earlier", "again", "label")


def completed(user, period: Period, kind: str | None = None) -> Completed:
    """Every figure of the period's completed timers, from one query (see COMPLETED_SQL)."""
    qs = completed_timers(user, period, kind).order_by().values(
        "ticket_id", "definition_id", "service_id", "team_id", "priority", "stage", "elapsed", "breached_at")
    timers_sql, timers_params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    table = {name: quote(SlaTimer._meta.get_field(name).related_model._meta.db_table)
             for name in ("definition", "service", "team")}
    sql = COMPLETED_SQL.format(timers=timers_sql, definitions=table["definition"], services=table["service"],
                               teams=table["team"])
    params = [*timers_params, Stage.ACHIEVED, Stage.ACHIEVED, Stage.BREACHED, period.since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(COLUMNS, values, strict=True)) for values in cursor.fetchall()]

    groups: dict[str, list[dict]] = {name: [] for name in COMPLIANCE_DIMENSIONS}
    business: dict[str, tuple[timedelta | None, int]] = {target: (None, 0) for target in Target.values}
    summary = {"total": 0, "met": 0, "tickets": 0, "breached_earlier": 0}
    again = 0
    for row in rows:
        grouping = row["grouping"]
        if grouping == "definition":  # one timer per ticket and definition: its tickets are its timers
            met, total = row["met"], row["total"]
            groups[grouping].append(_row(row["definition_id"], row["label"], total, met, total, met, total - met))
        elif grouping in groups:  # service, team (labelled by name) and priority (by itself)
            key = row[COMPLIANCE_DIMENSIONS[grouping][0]]
            groups[grouping].append(_row(key, key if grouping == "priority" else row["label"], row["total"],
                                         row["met"], row["tickets"], row["met_tickets"], row["breached_tickets"]))
        elif grouping == "target":
            business[row["target"]] = (row["mean"], row["total"])
        elif grouping == "timers":
            summary.update(total=row["total"], met=row["met"], breached_earlier=row["breached_earlier"])
        else:  # "tickets"
            summary["tickets"], again = row["tickets"], row["again"]
    if again:  # the timers of some ticket disagree on service, team or priority: count those groupings per timer
        log.warning("SLA report: the timers of some tickets differ in service, team or priority (%s rows)", again)
        for name in ("service", "team", "priority"):
            groups[name] = _compliance_rows(completed_timers(user, period, kind), *COMPLIANCE_DIMENSIONS[name])
        summary["tickets"] -= again  # each extra combination of a ticket was one more row
    return Completed(compliance=groups, summary=summary, business=business)


def compliance(user, period: Period, dimensions: list[str] | None = None, kind: str | None = None,
               figures: Completed | None = None) -> dict[str, list[dict]]:
    """Met / total completed timers of the period per grouping (all of them from one query; `figures`: the
    result of `completed()` already at hand)."""
    figures = figures or completed(user, period, kind)
    names = list(COMPLIANCE_DIMENSIONS) if dimensions is None else dimensions
    return {name: figures.compliance[name] for name in names}


def breached_timers(user, period: Period, kind: str | None = None) -> QuerySet:
    """Timers whose breach moment (`breached_at`) falls in the period, whatever happened to them since.

    Read from the timers, not from the sweep's breach events: a timer stopped late before the sweep saw it
    (or while the sweep was down) is breached without an event, and the compliance figures count it.
    """
    qs = SlaTimer.objects.filter(breached=True, breached_at__gte=period.since, breached_at__lt=period.until)
    return _scoped(qs, user, kind)


def completed_summary(user, period: Period, kind: str | None = None, figures: Completed | None = None
                      ) -> dict[str, int]:
    """The compliance tables' population in one row: completed timers, those met, their distinct tickets, and
    the breached ones whose breach came before the period (the breaches chart counts them in an earlier one)."""
    return dict((figures or completed(user, period, kind)).summary)


def breach_summary(user, period: Period, kind: str | None = None) -> dict[str, int]:
    """The breaches chart's population in one row: timers breached in the period, their distinct tickets, how
    many still run, and how many the compliance tables count too (those that also completed in the period)."""
    return breached_timers(user, period, kind).aggregate(
        timers=Count("id"), tickets=Count("ticket_id", distinct=True),
        running=Count("id", filter=Q(stopped_at__isnull=True)),
        in_tables=Count("id", filter=Q(stage__in=[Stage.ACHIEVED, Stage.BREACHED], stopped_at__lt=period.until)),
    )


def breaches_over_time(user, period: Period, kind: str | None = None) -> list[dict]:
    """Breached timers per day (of the current time zone) of their breach; days without a breach are left out."""
    rows = (
        breached_timers(user, period, kind).annotate(day=TruncDate("breached_at"))
        .values("day").annotate(count=Count("id")).order_by("day")
    )
    return [{"day": r["day"].isoformat(), "count": r["count"]} for r in rows]


AT_RISK = Q(stage=Stage.IN_PROGRESS, breached=False, next_threshold=BREACH)


def at_risk(user, limit: int = 50, kind: str | None = None) -> QuerySet:
    """Running timers past their last warning (next event: the breach) and not yet breached, nearest first."""
    qs = SlaTimer.objects.filter(AT_RISK)
    return _scoped(qs, user, kind).select_related("definition", "ticket", "ticket__team", "ticket__assignee") \
        .defer("ticket__search", "ticket__description").order_by("due_at", "id")[:limit]


def at_risk_count(user, kind: str | None = None) -> int:
    return _scoped(SlaTimer.objects.filter(AT_RISK), user, kind).count()


def at_risk_summary(user, kind: str | None = None) -> dict[str, int]:
    """How many timers are at risk, and on how many tickets (one query)."""
    return _scoped(SlaTimer.objects.filter(AT_RISK), user, kind).aggregate(
        timers=Count("*"), tickets=Count("ticket_id", distinct=True)
    )


def mean_times(user, period: Period, kind: str | None = None, figures: Completed | None = None
               ) -> dict[str, float | None]:
    """Mean time to acknowledge and to resolve, in hours: wall-clock (tickets) and business (timers).

    Wall-clock: one query per mean, each over the tickets responded to (resolved) in the period, read from the
    index on that instant alone (ticket_responded_times, ticket_resolved_times include opened_at and kind).
    Business: the period's completed timers per target (`completed()`, or `figures` when already at hand).
    """
    tickets = _tickets(user, kind)
    wall = {}
    for key, instant in (("mtta", "responded_at"), ("mttr", "resolved_at")):
        wall[key] = tickets.filter(**{f"{instant}__gte": period.since, f"{instant}__lt": period.until}).aggregate(
            mean=Avg(ExpressionWrapper(F(instant) - F("opened_at"), output_field=DurationField())), n=Count("*"))
    business = (figures or completed(user, period, kind)).business

    def hours(value: timedelta | None) -> float | None:
        return round(value.total_seconds() / 3600, 2) if value is not None else None

    return {
        "mtta_wall_hours": hours(wall["mtta"]["mean"]), "mttr_wall_hours": hours(wall["mttr"]["mean"]),
        "mtta_business_hours": hours(business[Target.RESPONSE][0]),
        "mttr_business_hours": hours(business[Target.RESOLUTION][0]),
        # how many tickets (wall-clock) and timers (business) each mean is taken over
        "mtta_wall_count": wall["mtta"]["n"], "mttr_wall_count": wall["mttr"]["n"],
        "mtta_business_count": business[Target.RESPONSE][1], "mttr_business_count": business[Target.RESOLUTION][1],
    }


def backlog_by_age(user, now=None, kind: str | None = None) -> list[dict]:
    """Open tickets by age (since opening), one SQL query (read from the index ticket_open_opened alone).

    A bucket holds the ages low <= age < high: opened_at <= now - low and opened_at > now - high (the youngest
    bucket has no upper bound on opened_at, so a ticket opened this very instant is in it). `opened_after` and
    `opened_before` are the queue filters (>= and <) that list exactly those tickets: timestamps have microsecond
    resolution, so "> t" is ">= t + 1 µs" and "<= t" is "< t + 1 µs".
    """
    now = now or clock.now()
    tick = timedelta(microseconds=1)
    whens = []
    for index, (_label, low, high) in enumerate(AGE_BUCKETS):
        condition = Q()
        if low:
            condition &= Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=high))
        whens.append(When(condition, then=index))
    tickets = _tickets(user, kind).filter(active=True)
    rows = dict(
        tickets.annotate(bucket=Case(*whens, default=len(AGE_BUCKETS) - 1, output_field=IntegerField()))
        .values("bucket").annotate(n=Count("*")).values_list("bucket", "n")
    )
    out = []
    for index, (label, low, high) in enumerate(AGE_BUCKETS):
        out.append({
            "label": label, "count": rows.get(index, 0),
            "opened_before": (now - timedelta(days=low) + tick).isoformat() if low else None,
            "opened_after": (now - timedelta(days=high) + tick).isoformat() if high is not None else None,
        })
    return out


def report(user, period: Period, kind: str | None = None) -> dict:
    """Every figure of the dashboard, as plain data (the page and GET /api/v1/sla/report/ share it), for the
    tickets of one kind when `kind` is given."""
    figures = completed(user, period, kind)
    return {
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "compliance": compliance(user, period, kind=kind, figures=figures),
        "breaches_over_time": breaches_over_time(user, period, kind),
        "at_risk_count": at_risk_count(user, kind),
        "mean_times": mean_times(user, period, kind, figures),
        "backlog_by_age": backlog_by_age(user, kind=kind),
    }
