"""The figures of the manager's SLA dashboard, computed in SQL (counts and averages), for a period.

Every figure starts from the access rule (`Ticket.objects.visible_to`) and says which tickets it counts, so
the dashboard can link each number to the list behind it (the agent queue with the same filters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.roles import Role, has_role
from core import clock, kinds
from core.filters import utc_instant
from core.kinds import Kind
from core.models import Ticket
from sla.models import BREACH, SlaTimer, Stage, Target

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
    out = []
    for row in rows:
        out.append({
            "key": row[key], "label": row[label] if row[label] is not None else "(none)",
            "total": row["total"], "met": row["met"], "breached": row["total"] - row["met"],
            "compliance": round(100.0 * row["met"] / row["total"], 1) if row["total"] else None,
            "tickets": row["tickets"], "met_tickets": row["met_tickets"],
            "breached_tickets": row["breached_tickets"],
        })
    return out


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


def compliance(user, period: Period, dimensions: list[str] | None = None, kind: str | None = None
               ) -> dict[str, list[dict]]:
    """Met / total completed timers of the period per grouping (one query per grouping asked for)."""
    qs = completed_timers(user, period, kind)
    names = list(COMPLIANCE_DIMENSIONS) if dimensions is None else dimensions
    return {name: _compliance_rows(qs, *COMPLIANCE_DIMENSIONS[name]) for name in names}


def breached_timers(user, period: Period, kind: str | None = None) -> QuerySet:
    """Timers whose breach moment (`breached_at`) falls in the period, whatever happened to them since.

    Read from the timers, not from the sweep's breach events: a timer stopped late before the sweep saw it
    (or while the sweep was down) is breached without an event, and the compliance figures count it.
    """
    qs = SlaTimer.objects.filter(breached=True, breached_at__gte=period.since, breached_at__lt=period.until)
    return _scoped(qs, user, kind)


def completed_summary(user, period: Period, kind: str | None = None) -> dict[str, int]:
    """The compliance tables' population in one row: completed timers, those met, their distinct tickets, and
    the breached ones whose breach came before the period (the breaches chart counts them in an earlier one)."""
    return completed_timers(user, period, kind).aggregate(
        total=Count("id"), met=Count("id", filter=Q(stage=Stage.ACHIEVED)), tickets=Count("ticket_id", distinct=True),
        breached_earlier=Count("id", filter=Q(stage=Stage.BREACHED, breached_at__lt=period.since)),
    )


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
        timers=Count("id"), tickets=Count("ticket_id", distinct=True)
    )


def mean_times(user, period: Period, kind: str | None = None) -> dict[str, float | None]:
    """Mean time to acknowledge and to resolve, in hours: wall-clock (tickets) and business (timers)."""
    tickets = _tickets(user, kind)
    responded = Q(responded_at__gte=period.since, responded_at__lt=period.until)
    resolved = Q(resolved_at__gte=period.since, resolved_at__lt=period.until)
    wall = tickets.filter(responded | resolved).aggregate(
        mtta=Avg(ExpressionWrapper(F("responded_at") - F("opened_at"), output_field=DurationField()),
                 filter=responded),
        mttr=Avg(ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField()),
                 filter=resolved),
        mtta_n=Count("id", filter=responded), mttr_n=Count("id", filter=resolved),
    )
    timers = completed_timers(user, period, kind)
    response, resolution = Q(definition__target=Target.RESPONSE), Q(definition__target=Target.RESOLUTION)
    business = timers.aggregate(
        mtta=Avg("elapsed", filter=response), mttr=Avg("elapsed", filter=resolution),
        mtta_n=Count("id", filter=response), mttr_n=Count("id", filter=resolution),
    )

    def hours(value: timedelta | None) -> float | None:
        return round(value.total_seconds() / 3600, 2) if value is not None else None

    return {
        "mtta_wall_hours": hours(wall["mtta"]), "mttr_wall_hours": hours(wall["mttr"]),
        "mtta_business_hours": hours(business["mtta"]), "mttr_business_hours": hours(business["mttr"]),
        # how many tickets (wall-clock) and timers (business) each mean is taken over
        "mtta_wall_count": wall["mtta_n"], "mttr_wall_count": wall["mttr_n"],
        "mtta_business_count": business["mtta_n"], "mttr_business_count": business["mttr_n"],
    }


def backlog_by_age(user, now=None, kind: str | None = None) -> list[dict]:
    """Open tickets by age (since opening), one SQL query.

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
        .values("bucket").annotate(n=Count("id")).values_list("bucket", "n")
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
    return {
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "compliance": compliance(user, period, kind=kind),
        "breaches_over_time": breaches_over_time(user, period, kind),
        "at_risk_count": at_risk_count(user, kind),
        "mean_times": mean_times(user, period, kind),
        "backlog_by_age": backlog_by_age(user, kind=kind),
    }
