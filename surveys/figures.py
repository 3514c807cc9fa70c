"""The surveys' figures, each counted in SQL (one query per table, whatever the number of answers):

- CSAT per month: answers, average score, the distribution 1-5, invitations and the response rate (answered
  invitations of the month's invitations);
- NPS = % promoters (9-10) - % detractors (0-6) of the answers, per round, per organization (the person's when
  asked) and per service (of the person's latest ticket when asked), and per month of the answers.

Scopes: `csat_answers(user)` goes through the access rule (managers all, agents their teams' and assigned
tickets', end users their own answers); NPS is not about tickets: only managers read its breakdowns.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.roles import Role, can, has_role, role_of
from core.models import Ticket
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation

PROMOTER = 9
DETRACTOR = 6


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_start(day: date) -> datetime:
    """The first instant of `day`'s month in the desk's time zone."""
    return datetime.combine(day.replace(day=1), time.min, tzinfo=zone())


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def csat_answers(user: Any) -> QuerySet[CsatAnswer]:
    """The CSAT answers `user` may read: managers all; agents those of the tickets they may see (their teams',
    assigned to them); end users their own."""
    if has_role(user, Role.MANAGER):
        return CsatAnswer.objects.all()
    if can(user, "tickets.work"):
        return CsatAnswer.objects.filter(ticket_id__in=Ticket.objects.visible_to(user).values("pk"))
    if role_of(user) is None:
        return CsatAnswer.objects.none()
    return CsatAnswer.objects.filter(person_id=user.pk)


def csat_invitations(user: Any) -> QuerySet[CsatInvitation]:
    if has_role(user, Role.MANAGER):
        return CsatInvitation.objects.all()
    return CsatInvitation.objects.filter(ticket_id__in=Ticket.objects.visible_to(user).values("pk"))


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    """The Net Promoter Score (-100 to 100, one decimal) of `answers` answers; None without any."""
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers, 1)


def _nps_counts() -> dict[str, Any]:
    answered = Q(score__isnull=False)
    return {"invited": Count("pk"), "answers": Count("pk", filter=answered),
            "promoters": Count("pk", filter=Q(score__gte=PROMOTER)),
            "detractors": Count("pk", filter=Q(score__lte=DETRACTOR))}


def _with_nps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["passives"] = row["answers"] - row["promoters"] - row["detractors"]
        row["nps"] = nps(row["promoters"], row["detractors"], row["answers"])
        row["response_rate"] = round(100 * row["answers"] / row["invited"], 1) if row.get("invited") else None
    return rows


def csat_by_month(user: Any, since: date, until: date) -> list[dict[str, Any]]:
    """One row per month from `since`'s month to `until`'s (both included), oldest first: invitations, answers,
    response rate, average, distribution."""
    start, end = month_start(since), month_start(next_month(until))
    tz = zone()
    answers = {row["month"].date(): row for row in csat_answers(user).filter(answered_at__gte=start,
                                                                             answered_at__lt=end)
               .annotate(month=TruncMonth("answered_at", tzinfo=tz)).values("month")
               .annotate(n=Count("pk"), average=Avg("score"),
                         **{f"s{score}": Count("pk", filter=Q(score=score)) for score in range(1, 6)})}
    invited = {row["month"].date(): row for row in csat_invitations(user).filter(invited_at__gte=start,
                                                                                 invited_at__lt=end)
               .annotate(month=TruncMonth("invited_at", tzinfo=tz)).values("month")
               .annotate(n=Count("pk"), answered=Count("pk", filter=Q(answer__isnull=False)))}
    rows = []
    month = since.replace(day=1)
    while month <= until:
        a, i = answers.get(month, {}), invited.get(month, {})
        n = a.get("n", 0)
        rows.append({"month": month, "answers": n,
                     "average": round(a["average"], 2) if a.get("average") is not None else None,
                     "distribution": distribution([a.get(f"s{score}", 0) for score in range(1, 6)]),
                     "invited": i.get("n", 0), "responded": i.get("answered", 0),
                     "response_rate": round(100 * i["answered"] / i["n"], 1) if i.get("n") else None})
        month = next_month(month)
    return rows


def distribution(counts: list[int]) -> list[tuple[int, int, float, float]]:
    """(score, count, % of the answers, % where its bar starts) for scores 1-5 (a stacked bar)."""
    total = sum(counts)
    out, start = [], 0.0
    for score, count in enumerate(counts, start=1):
        share = round(100 * count / total, 2) if total else 0.0
        out.append((score, count, share, round(start, 2)))
        start += share
    return out


def csat_average_by_month(answers: QuerySet[CsatAnswer], months: list[date]) -> list[float | None]:
    """The average score of each month's answers (one query)."""
    if not months:
        return []
    start, end = month_start(min(months)), month_start(next_month(max(months)))
    found = {row["month"].date(): row["average"] for row in answers.filter(answered_at__gte=start,
                                                                           answered_at__lt=end)
             .annotate(month=TruncMonth("answered_at", tzinfo=zone())).values("month")
             .annotate(average=Avg("score"))}
    return [round(found[m], 2) if found.get(m) is not None else None for m in months]


def nps_by_month(months: list[date]) -> list[float | None]:
    """NPS of the answers given in each month (one query)."""
    if not months:
        return []
    start, end = month_start(min(months)), month_start(next_month(max(months)))
    found = {row["month"].date(): row for row in NpsInvitation.objects.filter(answered_at__gte=start,
                                                                              answered_at__lt=end)
             .annotate(month=TruncMonth("answered_at", tzinfo=zone())).values("month").annotate(**_nps_counts())}
    return [nps(found[m]["promoters"], found[m]["detractors"], found[m]["answers"]) if m in found else None
            for m in months]


def nps_by_round(limit: int = 12) -> list[dict[str, Any]]:
    """The last `limit` rounds, newest first: invited, answers, response rate, promoters, passives, detractors,
    NPS."""
    rows = list(NpsInvitation.objects.values("round_id", "round__starts_on", "round__ends_on")
                .annotate(**_nps_counts()).order_by("-round__starts_on")[:limit])
    return _with_nps(rows)


def nps_breakdown(round_id: int | None, by: str) -> list[dict[str, Any]]:
    """NPS of one round per organization (`by` "organization") or service ("service"); the people without one
    are a row with `name` None. Largest groups first."""
    if round_id is None:
        return []
    field = {"organization": "organization__name", "service": "service__name"}[by]
    rows = list(NpsInvitation.objects.filter(round_id=round_id).values(name=field_ref(field))
                .annotate(**_nps_counts()).order_by("-answers", "name"))
    return _with_nps(rows)


def field_ref(name: str) -> Any:
    from django.db.models import F

    return F(name)
