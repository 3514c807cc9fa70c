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
from core import clock
from core.models import Ticket
from sla.models import EventKind, SlaEvent, SlaTimer, Stage, Target

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
        start = timezone.make_aware(start, tz) if timezone.is_naive(start) else start
        end = timezone.make_aware(end, tz) if timezone.is_naive(end) else end
        end += timedelta(days=1) if len(until or "") <= 10 else timedelta(0)
        if end <= start:
            raise ValueError("until must come after since.")
        if end - start > timedelta(days=3 * 366):
            raise ValueError("A period is at most three years long.")
        return Period(start, end)
    raise ValueError(f"Unknown period {value!r}: use 7d, 30d, 90d or custom.")


def _scoped(qs: QuerySet, user, ticket_field: str = "ticket") -> QuerySet:
    """Restrict to tickets the user may see. Managers and admins see all: no subquery for them."""
    if has_role(user, Role.MANAGER):
        return qs
    return qs.filter(**{f"{ticket_field}__in": Ticket.objects.visible_to(user).values("pk")})


def _compliance_rows(qs: QuerySet, key: str, label: str) -> list[dict]:
    rows = (
        qs.values(key, label)
        .annotate(total=Count("id"), met=Count("id", filter=Q(stage=Stage.ACHIEVED)))
        .order_by(label)
    )
    out = []
    for row in rows:
        out.append({
            "key": row[key], "label": row[label] if row[label] is not None else "(none)",
            "total": row["total"], "met": row["met"], "breached": row["total"] - row["met"],
            "compliance": round(100.0 * row["met"] / row["total"], 1) if row["total"] else None,
        })
    return out


def completed_timers(user, period: Period) -> QuerySet:
    """Timers that reached their outcome (achieved or breached) within the period."""
    qs = SlaTimer.objects.filter(
        stopped_at__gte=period.since, stopped_at__lt=period.until, stage__in=[Stage.ACHIEVED, Stage.BREACHED]
    )
    return _scoped(qs, user)


def compliance(user, period: Period) -> dict[str, list[dict]]:
    qs = completed_timers(user, period)
    return {
        "definition": _compliance_rows(qs, "definition_id", "definition__name"),
        "service": _compliance_rows(qs, "ticket__service_id", "ticket__service__name"),
        "team": _compliance_rows(qs, "ticket__team_id", "ticket__team__name"),
        "priority": _compliance_rows(qs, "ticket__priority", "ticket__priority"),
    }


def breaches_over_time(user, period: Period) -> list[dict]:
    qs = _scoped(SlaEvent.objects.filter(kind=EventKind.BREACH, due_at__gte=period.since, due_at__lt=period.until),
                 user, "timer__ticket")
    rows = qs.annotate(day=TruncDate("due_at")).values("day").annotate(count=Count("id")).order_by("day")
    return [{"day": r["day"].isoformat(), "count": r["count"]} for r in rows]


def at_risk(user, limit: int = 50) -> QuerySet:
    """Running timers past their last warning (next event: the breach) and not yet breached, nearest first."""
    qs = SlaTimer.objects.filter(stage=Stage.IN_PROGRESS, breached=False, next_threshold=100)
    return _scoped(qs, user).select_related("definition", "ticket", "ticket__team", "ticket__assignee") \
        .order_by("due_at")[:limit]


def at_risk_count(user) -> int:
    return _scoped(SlaTimer.objects.filter(stage=Stage.IN_PROGRESS, breached=False, next_threshold=100), user).count()


def mean_times(user, period: Period) -> dict[str, float | None]:
    """Mean time to acknowledge and to resolve, in hours: wall-clock (tickets) and business (timers)."""
    tickets = Ticket.objects.visible_to(user) if not has_role(user, Role.MANAGER) else Ticket.objects.all()
    wall = tickets.aggregate(
        mtta=Avg(ExpressionWrapper(F("responded_at") - F("opened_at"), output_field=DurationField()),
                 filter=Q(responded_at__gte=period.since, responded_at__lt=period.until)),
        mttr=Avg(ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField()),
                 filter=Q(resolved_at__gte=period.since, resolved_at__lt=period.until)),
    )
    timers = completed_timers(user, period)
    business = timers.aggregate(
        mtta=Avg("elapsed", filter=Q(definition__target=Target.RESPONSE)),
        mttr=Avg("elapsed", filter=Q(definition__target=Target.RESOLUTION)),
    )

    def hours(value: timedelta | None) -> float | None:
        return round(value.total_seconds() / 3600, 2) if value is not None else None

    return {
        "mtta_wall_hours": hours(wall["mtta"]), "mttr_wall_hours": hours(wall["mttr"]),
        "mtta_business_hours": hours(business["mtta"]), "mttr_business_hours": hours(business["mttr"]),
    }


def backlog_by_age(user, now=None) -> list[dict]:
    """Open tickets by age (since opening), one SQL query."""
    now = now or clock.now()
    whens = []
    for index, (_label, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=high))
        whens.append(When(condition, then=index))
    tickets = Ticket.objects.visible_to(user).filter(active=True)
    rows = dict(
        tickets.annotate(bucket=Case(*whens, default=0, output_field=IntegerField()))
        .values("bucket").annotate(n=Count("id")).values_list("bucket", "n")
    )
    out = []
    for index, (label, low, high) in enumerate(AGE_BUCKETS):
        out.append({
            "label": label, "count": rows.get(index, 0),
            "opened_before": (now - timedelta(days=low)).isoformat(),
            "opened_after": (now - timedelta(days=high)).isoformat() if high is not None else None,
        })
    return out


def report(user, period: Period) -> dict:
    """Every figure of the dashboard, as plain data (the page and GET /api/v1/sla/report/ share it)."""
    return {
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "compliance": compliance(user, period),
        "breaches_over_time": breaches_over_time(user, period),
        "at_risk_count": at_risk_count(user),
        "mean_times": mean_times(user, period),
        "backlog_by_age": backlog_by_age(user),
    }
