"""Review reminders: an article whose review date (valid_until) comes within REVIEW_NOTICE_DAYS reminds its owners
once per review date (Celery beat, every six hours: knowledge.tasks.remind_reviews): a work note on the article and
an e-mail to its assignee, else its team, else its knowledge base's reviewers. Moving the date asks for a new
reminder."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import services as core
from knowledge.choices import ArticleState
from knowledge.models import Article

REVIEW_NOTICE_DAYS = 14
BATCH = 200


def due(today: date) -> Any:
    """The live articles whose review date is within the notice period and not yet reminded of."""
    return (Article.objects.filter(published_version__isnull=False, valid_until__isnull=False,
                                   valid_until__lte=today + timedelta(days=REVIEW_NOTICE_DAYS))
            .exclude(state=ArticleState.RETIRED)
            .filter(Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("valid_until"))))


def owners(article: Article) -> list[Any]:
    """Who keeps the article up to date: its assignee, else its team's members, else its reviewers."""
    from knowledge.services import reviewers

    if article.assignee is not None and article.assignee.is_active:
        return [article.assignee]
    if article.team is not None:
        members = list(article.team.members.filter(is_active=True).order_by("pk"))
        if members:
            return members
    return list(reviewers(article))


def remind_reviews(now: Any = None) -> int:
    """Remind the owners of each article due for review (once per review date); returns how many articles."""
    today = timezone.localdate(now or timezone.now())
    reminded = 0
    for article_id in list(due(today).order_by("valid_until", "pk").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            article = (due(today).select_for_update(skip_locked=True, of=("self",))
                       .select_related("assignee", "team", "knowledge_base", "published_version")
                       .filter(pk=article_id).first())
            if article is None:  # reminded meanwhile by another worker, or its date moved
                continue
            Article.objects.filter(pk=article.pk).update(review_reminded_for=article.valid_until)
            when = f"{article.valid_until.day} {article.valid_until:%B %Y}"
            core.add_comment(article, None, f"Due for review by {when}: check it is still right, then publish a "
                                            "new version or move its review date.", internal=True)
            mail(article, today)
            reminded += 1
    return reminded


def mail(article: Article, today: date) -> int:
    """E-mail the article's owners (once per article and review date)."""
    assert article.valid_until is not None  # due() reads only articles with a review date
    from core.notifications import recipients, render_for, send_once, site_link
    from knowledge.kind import ARTICLE

    title = article.published_version.title if article.published_version else article.title
    context = {"article": article, "title": title, "overdue": article.valid_until < today,
               "link": site_link(ARTICLE.agent_url(article.number))}

    def compose(recipient: Any) -> tuple[str, str]:
        body = render_for(recipient, "knowledge/email/review_due.txt",
                          {**context, "greeting": recipient.user.display_name if recipient.user else "there"})
        return f"[{article.number}] Due for review: {title}", body

    return send_once(f"kb-review:{article.pk}:{article.valid_until.isoformat()}", recipients(owners(article)),
                     compose)
