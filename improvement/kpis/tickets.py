"""The ticket KPIs, computed in SQL: one query per KPI for all its months (grouped with date_trunc by month in the
desk's time zone), over the tickets the user reads (scope.scoped_tickets), of one kind (incidents by default) and
optionally one team, service and priority.

Definitions (what each figure counts; the drill page lists exactly those tickets):
- Time to resolve (mean, median), in hours: tickets *resolved* in the month (their `resolved_at`, which a reopen
  clears and the next resolution stamps again: a ticket counts in the month of its last resolution), from opening
  to resolution, wall-clock.
- First-contact resolution, %: of those tickets, the share resolved by the assignment group that first took them,
  never handed to another group (no journal change of `team` from one group to another) and never reopened (no
  journal move out of a resolved state). The desk has no "resolved on the phone" flag; this is the ITIL reading
  "resolved without escalation or a second contact".
- Reopen rate, %: of the tickets with a resolution in the month (a journal move into a resolved state of their kind),
  the share moved back to an open state after that resolution (at any later time).
- Backlog, tickets: tickets open at the end of the month (opened before it, not resolved or closed by then:
  `LEAST(resolved_at, closed_at)`), the running month's value being the open tickets now. A ticket reopened later
  counts as open from its opening (its earlier resolution is no longer on the row).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Least, TruncMonth

from core import clock, kinds
from core.models import JournalEntry, Ticket
from improvement.kpis.periods import bounds, desk_zone, span
from improvement.kpis.scope import Hours, Median, narrowed, scoped_tickets


def _month(column: str) -> TruncMonth:
    return TruncMonth(column, tzinfo=desk_zone(), output_field=DateField())


def _states(kind: str) -> tuple[list[str], list[str]]:
    """(resolved states, open states) of a kind's workflow."""
    found = kinds.find(kind)
    if found is None:
        return [], []
    workflow = found.workflow
    return sorted(workflow.resolved_states), sorted(workflow.open_states)


def _series(rows: Any, months: list[date], value) -> list[float | None]:
    """One value per month from rows with a `month` column (missing months: what `value` makes of None)."""
    by_month = {row["month"]: row for row in rows}
    return [value(by_month.get(month)) for month in months]


def _percent(part: str, whole: str):
    def value(row: dict | None) -> float | None:
        if not row or not row[whole]:
            return None
        return round(100.0 * row[part] / row[whole], 4)
    return value


# --- time to resolve -------------------------------------------------------------------------------------------

def resolved(user: Any, start: datetime, end: datetime, **filters: Any) -> QuerySet:
    """The tickets (of the filters) whose resolution stamp falls in [start, end)."""
    return narrowed(scoped_tickets(user), **filters).filter(resolved_at__gte=start, resolved_at__lt=end)


def time_to_resolve(user: Any, months: list[date], *, median: bool = False, **filters: Any) -> list[float | None]:
    """Mean (or median) hours from opening to resolution of the tickets resolved in each month."""
    hours = Hours(F("resolved_at") - F("opened_at"))
    rows = (resolved(user, *span(months), **filters).annotate(month=_month("resolved_at")).values("month")
            .annotate(value=Median(hours) if median else Avg(hours)).order_by())
    return _series(rows, months, lambda row: round(row["value"], 4) if row else None)


def mean_time_to_resolve(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    return time_to_resolve(user, months, **filters)


def median_time_to_resolve(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    return time_to_resolve(user, months, median=True, **filters)


# --- first-contact resolution ----------------------------------------------------------------------------------

def reassigned(kind: str = "incident") -> Exists:
    """The outer ticket was handed from one assignment group to another (its first assignment does not count)."""
    return Exists(JournalEntry.objects.filter(ticket_id=OuterRef("pk"), field="team").exclude(old_value=""))


def reopened(kind: str = "incident", after: Any = None, ticket: Any = None) -> Exists:
    """The outer ticket moved from a resolved state back to an open one (after `after`, when given)."""
    resolved_states, open_states = _states(kind)
    outer: Any = ticket if ticket is not None else OuterRef("pk")
    entries = JournalEntry.objects.filter(ticket_id=outer, field="state",
                                          old_value__in=resolved_states, new_value__in=open_states)
    if after is not None:
        entries = entries.filter(created_at__gt=after)
    return Exists(entries)


def first_contact(user: Any, start: datetime, end: datetime, **filters: Any) -> QuerySet:
    """The tickets resolved in [start, end), each with `first_contact` (true when resolved at first contact)."""
    kind = filters.get("kind", "incident")
    return resolved(user, start, end, **filters).annotate(
        first_contact=ExpressionWrapper(~reassigned(kind) & ~reopened(kind), output_field=BooleanField()))


def first_contact_resolution(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    """% of the tickets resolved in each month resolved at first contact."""
    rows = (first_contact(user, *span(months), **filters).annotate(month=_month("resolved_at")).values("month")
            .annotate(n=Count("pk"), met=Count("pk", filter=Q(first_contact=True))).order_by())
    return _series(rows, months, _percent("met", "n"))


# --- reopen rate -----------------------------------------------------------------------------------------------

def resolutions(user: Any, start: datetime, end: datetime, **filters: Any) -> QuerySet:
    """Journal moves into a resolved state in [start, end) of the tickets of the filters, each with `reopened`.

    `ticket__updated_at__gte=start` adds nothing (a move stamps the ticket's `updated_at`) but lets PostgreSQL
    start from the tickets changed since (an index) instead of reading the whole journal.
    """
    kind = filters.get("kind", "incident")
    resolved_states, _open = _states(kind)
    tickets = narrowed(scoped_tickets(user), **filters).filter(updated_at__gte=start)
    return (JournalEntry.objects
            .filter(ticket__in=tickets.values("pk"), field="state", new_value__in=resolved_states,
                    created_at__gte=start, created_at__lt=end)
            .exclude(old_value__in=resolved_states)
            .annotate(reopened=reopened(kind, after=OuterRef("created_at"), ticket=OuterRef("ticket_id"))))


# The tickets changed since the start (an index), then each one's resolutions in the months through the journal's
# (ticket, created_at) index (LATERAL, kept a subquery by OFFSET 0: PostgreSQL would otherwise flatten it and rather
# read the whole journal for a hash join).
REOPEN_SQL = """
SELECT (date_trunc('month', r.created_at AT TIME ZONE %s))::date AS month, COUNT(DISTINCT t.id) AS n,
       COUNT(DISTINCT t.id) FILTER (WHERE EXISTS (
           SELECT 1 FROM {journal} o WHERE o.ticket_id = t.id AND o.created_at > r.created_at
           AND o.field = 'state' AND o.old_value = ANY(%s) AND o.new_value = ANY(%s))) AS back
FROM ({tickets}) AS t(id)
CROSS JOIN LATERAL (
    SELECT j.created_at FROM {journal} j
    WHERE j.ticket_id = t.id AND j.created_at >= %s AND j.created_at < %s AND j.field = 'state'
      AND j.new_value = ANY(%s) AND NOT (j.old_value = ANY(%s))
    OFFSET 0
) r
GROUP BY 1
"""


def reopen_rate(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    """% of the tickets resolved in each month (by the journal) reopened after that resolution."""
    start, end = span(months)
    resolved_states, open_states = _states(filters.get("kind", "incident"))
    tickets = narrowed(scoped_tickets(user), **filters).filter(updated_at__gte=start).order_by().values("pk")
    tickets_sql, params = tickets.query.sql_with_params()
    sql = REOPEN_SQL.format(journal=connection.ops.quote_name(JournalEntry._meta.db_table), tickets=tickets_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [desk_zone().key, resolved_states, open_states, *params, start, end, resolved_states,
                             resolved_states])
        rows = [{"month": month, "n": n, "back": back} for month, n, back in cursor.fetchall()]
    return _series(rows, months, _percent("back", "n"))


def resolved_in_journal(user: Any, start: datetime, end: datetime, **filters: Any) -> QuerySet:
    """The tickets behind a month's reopen rate, each with `reopened_after`."""
    entries = resolutions(user, start, end, **filters)
    return (narrowed(scoped_tickets(user), **filters)
            .filter(pk__in=entries.values("ticket_id"))
            .annotate(reopened_after=Exists(entries.filter(ticket_id=OuterRef("pk"), reopened=True))))


# --- backlog ---------------------------------------------------------------------------------------------------

def month_ends(months: list[date], now: datetime | None = None) -> list[datetime]:
    """The instant each month's backlog is counted at: its end, or now for the running month."""
    now = now or clock.now()
    return [min(bounds(month)[1], now) for month in months]


def open_at(user: Any, instant: datetime, **filters: Any) -> QuerySet:
    """The tickets open at `instant`: opened before it and neither resolved nor closed by then."""
    return (narrowed(scoped_tickets(user), **filters).annotate(ended=Least("resolved_at", "closed_at"))
            .filter(Q(opened_at__lt=instant) & (Q(ended__isnull=True) | Q(ended__gte=instant))))


def backlog(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    """Open tickets at each month's end (now for the running month), all months in one query."""
    ends = month_ends(months)
    counts = {f"m{i}": Count("pk", filter=Q(opened_at__lt=end) & (Q(ended__isnull=True) | Q(ended__gte=end)))
              for i, end in enumerate(ends)}
    figures = (narrowed(scoped_tickets(user), **filters).annotate(ended=Least("resolved_at", "closed_at"))
               .filter(Q(opened_at__lt=max(ends)) & (Q(ended__isnull=True) | Q(ended__gte=min(ends))))
               .aggregate(**counts))
    return [float(figures[f"m{i}"]) for i in range(len(months))]


# --- the tickets behind a month's figure (the drill page) --------------------------------------------------------

def drill_tickets(key: str, user: Any, month: date, **filters: Any) -> tuple[QuerySet, str]:
    """The tickets behind KPI `key`'s figure for `month`, each with a `measure` annotation, and its heading."""
    start, end = bounds(month)
    if key in ("ttr_mean", "ttr_median"):
        return (resolved(user, start, end, **filters).annotate(measure=Hours(F("resolved_at") - F("opened_at"))),
                "Hours to resolve")
    if key == "fcr":
        return first_contact(user, start, end, **filters).annotate(measure=F("first_contact")), \
            "Resolved at first contact"
    if key == "reopen_rate":
        return resolved_in_journal(user, start, end, **filters).annotate(measure=F("reopened_after")), \
            "Reopened after"
    if key == "backlog":
        instant = month_ends([month])[0]
        return open_at(user, instant, **filters).annotate(measure=F("opened_at")), "Opened"
    raise LookupError(key)


def drill_order(key: str) -> list[str]:
    return ["-resolved_at", "-pk"] if key in ("ttr_mean", "ttr_median", "fcr") else ["-opened_at", "-pk"]


def count(qs: QuerySet) -> int:
    return qs.order_by().count()


__all__ = ["Ticket", "backlog", "drill_tickets", "first_contact_resolution", "mean_time_to_resolve",
           "median_time_to_resolve", "reopen_rate"]
