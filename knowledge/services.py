"""Knowledge services: who reviews an article, and publishing a version (what readers get)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from accounts.models import User
from accounts.roles import Role
from core import clock
from core.models import Ticket
from knowledge import search
from knowledge.choices import Audience
from knowledge.models import Article, ArticleVersion


def reviewers(article: Article) -> list[Any]:
    """Who approves a new version: the knowledge base's reviewers team (active members), else the managers; never
    its author (who sent it to review)."""
    team = article.knowledge_base.reviewers
    people = User.objects.filter(is_active=True)
    people = people.filter(teams=team) if team is not None else people.filter(role__in=[Role.MANAGER, Role.ADMIN])
    return list(people.exclude(pk=article.requester_id).exclude(pk=article.assignee_id or 0).order_by("pk"))


def publish(article: Article, actor: Any) -> ArticleVersion:
    """The article's working copy becomes its new published version (numbered 1, 2, ...): readers get it, end
    users only if it is public."""
    number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ArticleVersion.objects.create(
        article=article, number=number, title=article.title, summary=article.description, body=article.body,
        keywords=article.keywords, audience=article.audience, author=article.assignee or article.requester,
        approved_by=actor if getattr(actor, "pk", None) else None, published_at=clock.now())
    search.index_version(version.pk, article.knowledge_base.language)
    Article.objects.filter(pk=article.pk).update(published_version=version)
    Ticket.objects.filter(pk=article.pk).update(public=article.audience == Audience.PUBLIC)
    return version
