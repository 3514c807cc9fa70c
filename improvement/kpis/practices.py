"""The KPIs of the other practices, computed in SQL, one query per KPI for all its months.

- SLA compliance, %: SLA timers (sla.SlaTimer) of tickets of the kind that completed in the month (stopped
  achieved or breached), met / completed, as the SLA dashboard counts them (its drill-down links, too). The
  team, service and priority filters read the timer's copy of its ticket's fields.
- Change success rate, %: changes closed in the month with an outcome recorded, the share "Successful" or
  "Successful with issues" (not failed, not backed out).
- Changes causing incidents, %: changes closed in the month, the share that at least one incident is marked
  "caused by" (a core.TicketLink from the incident to the change).
- Knowledge deflections, answers: issues solved by a knowledge article before they became a ticket
  (knowledge.Deflection), per month. Not scoped by team: the desk reads all knowledge.
- Problems with the most incidents: a ranked list (not a series), open problems first counted by their "caused by"
  incidents.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.roles import Role, has_role
from changes.choices import Outcome
from changes.choices import State as ChangeState
from core import kinds
from core.models import LinkKind, Ticket, TicketKind, TicketLink
from improvement.kpis.periods import desk_zone, span
from improvement.kpis.scope import narrowed, reads_kpis, scoped_tickets
from knowledge.models import Deflection
from sla.models import SlaTimer, Stage

SUCCESSFUL = (Outcome.SUCCESSFUL, Outcome.WITH_ISSUES)


def _month(column: str) -> TruncMonth:
    return TruncMonth(column, tzinfo=desk_zone(), output_field=DateField())


def _percent(rows: QuerySet, months: list[date], part: str = "met", whole: str = "n") -> list[float | None]:
    by_month = {row["month"]: row for row in rows}
    values: list[float | None] = []
    for month in months:
        row = by_month.get(month)
        values.append(round(100.0 * row[part] / row[whole], 4) if row and row[whole] else None)
    return values


# --- SLA compliance --------------------------------------------------------------------------------------------

def completed_timers(user: Any, start: datetime, end: datetime, kind: str = "incident", team: int | None = None,
                     service: int | None = None, priority: int | None = None) -> QuerySet:
    """Timers of the kind's tickets the user reads that completed (achieved or breached) in [start, end)."""
    timers = SlaTimer.objects.filter(ticket_kind=kind, stage__in=[Stage.ACHIEVED, Stage.BREACHED],
                                     stopped_at__gte=start, stopped_at__lt=end)
    if not reads_kpis(user):
        return timers.none()
    if not has_role(user, Role.MANAGER):
        timers = timers.filter(ticket__in=scoped_tickets(user).values("pk"))
    for name, value in (("team_id", team), ("service_id", service), ("priority", priority)):
        if value is not None:
            timers = timers.filter(**{name: value})
    return timers


def sla_compliance(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    rows = (completed_timers(user, *span(months), **filters).annotate(month=_month("stopped_at")).values("month")
            .annotate(n=Count("pk"), met=Count("pk", filter=Q(stage=Stage.ACHIEVED))).order_by())
    return _percent(rows, months)


# --- changes ---------------------------------------------------------------------------------------------------

def closed_changes(user: Any, start: datetime, end: datetime, team: int | None = None, service: int | None = None,
                   priority: int | None = None, with_outcome: bool = False) -> QuerySet:
    """Changes closed (not cancelled) in [start, end), of the team, service and priority when given."""
    changes = narrowed(scoped_tickets(user), kind=TicketKind.CHANGE, team=team, service=service, priority=priority)
    changes = changes.filter(state=ChangeState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    return changes.exclude(change__outcome="") if with_outcome else changes


def caused_incidents() -> Exists:
    return Exists(TicketLink.objects.filter(target_id=OuterRef("pk"), kind=LinkKind.CAUSED_BY,
                                            source__kind=TicketKind.INCIDENT))


def change_success_rate(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    rows = (closed_changes(user, *span(months), with_outcome=True, **filters).annotate(month=_month("closed_at"))
            .values("month").annotate(n=Count("pk"), met=Count("pk", filter=Q(change__outcome__in=SUCCESSFUL)))
            .order_by())
    return _percent(rows, months)


def changes_causing_incidents(user: Any, months: list[date], **filters: Any) -> list[float | None]:
    rows = (closed_changes(user, *span(months), **filters)
            .annotate(month=_month("closed_at"), caused=caused_incidents()).values("month")
            .annotate(n=Count("pk"), met=Count("pk", filter=Q(caused=True))).order_by())
    return _percent(rows, months)


# --- knowledge -------------------------------------------------------------------------------------------------

def deflections(user: Any, start: datetime, end: datetime) -> QuerySet:
    if not reads_kpis(user):
        return Deflection.objects.none()
    return Deflection.objects.filter(created_at__gte=start, created_at__lt=end)


def knowledge_deflections(user: Any, months: list[date]) -> list[float | None]:
    rows = (deflections(user, *span(months)).annotate(month=_month("created_at")).values("month")
            .annotate(n=Count("pk")).order_by())
    by_month = {row["month"]: row["n"] for row in rows}
    return [float(by_month.get(month, 0)) for month in months]


# --- problems with the most incidents --------------------------------------------------------------------------

def top_problems(user: Any, limit: int = 10, team: int | None = None, service: int | None = None,
                 priority: int | None = None) -> list[dict[str, Any]]:
    """The problems (that the user reads) with the most incidents marked "caused by" them, most first."""
    problems = narrowed(scoped_tickets(user), kind=TicketKind.PROBLEM, team=team, service=service, priority=priority)
    links = TicketLink.objects.filter(kind=LinkKind.CAUSED_BY, source__kind=TicketKind.INCIDENT,
                                      target__in=problems.values("pk"))
    rows = list(links.values("target_id").annotate(n=Count("pk")).order_by("-n", "target_id")[:limit])
    tickets = Ticket.objects.in_bulk([row["target_id"] for row in rows])
    return [{"ticket": ticket, "incidents": row["n"], "url": kinds.agent_url_of(ticket)}
            for row in rows if (ticket := tickets.get(row["target_id"])) is not None]
