"""The knowledge report for managers: what readers open and find helpful, what is due for review, what people
searched without finding anything, the tickets the desk resolved with an article, and the issues articles solved
before a ticket (per week and per article)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, TruncWeek
from django.utils import timezone

from core.models import LinkKind
from knowledge.choices import ArticleState
from knowledge.models import Article, Deflection, SearchLog

TOP = 10
MIN_ANSWERS = 3  # an article's helpfulness is ranked once this many readers answered
REVIEW_WINDOW_DAYS = 30
PERIOD_DAYS = 30
WEEKS = 8


def live() -> QuerySet[Article]:
    return Article.objects.filter(published_version__isnull=False).exclude(state=ArticleState.RETIRED)


def build(now: Any = None) -> dict[str, Any]:
    """Every figure of the report (a fixed number of queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - timedelta(days=PERIOD_DAYS)
    articles = live().select_related("published_version")
    rated = (articles.annotate(answers=Count("feedback"), yes=Count("feedback", filter=Q(feedback__helpful=True)))
             .filter(answers__gte=MIN_ANSWERS)
             .annotate(share=Cast(F("yes"), FloatField()) / Cast(F("answers"), FloatField())))
    weeks = (Deflection.objects.filter(created_at__gte=now - timedelta(weeks=WEEKS))
             .annotate(week=TruncWeek("created_at")).values("week").annotate(n=Count("pk")).order_by("week"))
    return {
        "published": articles.count(),
        "public": articles.filter(public=True).count(),
        "most_viewed": list(articles.filter(views__gt=0).order_by("-views", "pk")[:TOP]),
        "least_helpful": [{"article": a, "percent": round(100 * a.share), "answers": a.answers}
                          for a in rated.order_by("share", "-answers", "pk")[:TOP]],
        "due": list(articles.filter(valid_until__lte=today + timedelta(days=REVIEW_WINDOW_DAYS))
                    .order_by("valid_until", "pk")[:TOP * 3]),
        "no_result": list(SearchLog.objects.filter(created_at__gte=since, results=0).values("text")
                          .annotate(n=Count("pk")).order_by("-n", "text")[:TOP]),
        "deflections_by_week": [{"week": row["week"], "n": row["n"]} for row in weeks],
        "deflections_by_article": list(articles.annotate(n=Count("deflections", filter=Q(
            deflections__created_at__gte=since))).filter(n__gt=0).order_by("-n", "pk")[:TOP]),
        "used_to_resolve": list(articles.annotate(n=Count("links_in", filter=Q(
            links_in__kind=LinkKind.SOLVED_BY, links_in__created_at__gte=since))).filter(n__gt=0)
            .order_by("-n", "pk")[:TOP]),
        "today": today, "period_days": PERIOD_DAYS,
    }
