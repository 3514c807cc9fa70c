"""The known-error database: a problem that became a known error (root cause and workaround recorded) is published
as a knowledge article of type known error, internal or public by the desk's choice, linked to the problem. The
problem owns its text: it is published straight away (the problem's team decided; no review), and every change of
the problem's title, description, root cause, workaround or permanent fix publishes a new version of it
(`follow`, a receiver of core.services.ticket_changed); a cancelled problem retires it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from core import clock, kinds, writes
from core import services as core
from core.models import LinkKind, Ticket, TicketKind
from knowledge.choices import ArticleState, ArticleType, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, KnowledgeBase

FROM_PROBLEM = "from_problem"  # a move's field: the problem publishes its own known-error article, no review


def text_of(problem: Any) -> dict[str, str]:
    """The article's title, summary and Markdown body from the problem: symptoms, cause, workaround, and the
    permanent fix once it is resolved."""
    sections = [("Symptoms", problem.description), ("Cause", problem.root_cause), ("Workaround", problem.workaround)]
    if kinds.of(problem).workflow.is_resolved(problem.state) and problem.fix:
        sections.append(("Permanent fix", problem.fix))
    body = "\n\n".join(f"## {title}\n\n{text.strip()}" for title, text in sections if (text or "").strip())
    summary = (problem.workaround or "").strip().splitlines()[0][:300] if (problem.workaround or "").strip() else ""
    return {"title": problem.title, "description": f"Known error. Workaround: {summary}" if summary else
            "Known error.", "body": body}


def article_of(problem: Any) -> Article | None:
    """The known-error article published from `problem`, if any."""
    return Article.objects.filter(known_error_of_id=problem.pk).select_related("published_version").first()


@transaction.atomic
def publish(problem: Any, actor: Any, knowledge_base: KnowledgeBase, audience: str) -> Article:
    """Publish the known error of `problem` (locked) as an article of `knowledge_base` read by `audience`, linked
    to the problem; refuse a problem that is not a known error, or one already published."""
    from problems.kind import PROBLEM

    problem = writes.lock(PROBLEM, problem)
    if not problem.known_error:
        raise ValidationError({"problem": [f"{problem.number} is not a known error yet: record its root cause and "
                                           "a workaround first."]})
    existing = article_of(problem)
    if existing is not None:
        raise ValidationError({"problem": [f"{problem.number} is already published as {existing.number}."]})
    if audience not in Audience.values:
        raise ValidationError({"audience": [f"Choose who reads it: {', '.join(Audience.labels)}."]})
    data = {**text_of(problem), "knowledge_base": knowledge_base, "audience": audience,
            "keywords": "known error", "service": problem.service if problem.service_id else None,
            "category": problem.category if problem.category_id and problem.category.active else None}
    if problem.team_id:
        data["team"] = problem.team
    article = ARTICLE.action(writes.create)(ARTICLE, actor, {k: v for k, v in data.items() if v is not None})
    Article.objects.filter(pk=article.pk).update(article_type=ArticleType.KNOWN_ERROR, known_error_of=problem)
    core.link_tickets(article, problem, LinkKind.RELATED, actor)
    article = Article.objects.get(pk=article.pk)
    for state in (ArticleState.REVIEW, ArticleState.PUBLISHED):  # no reviewer is asked: the problem's team decided
        writes.move(ARTICLE, writes.lock(ARTICLE, article), actor, state, {FROM_PROBLEM: True})
    core.add_comment(problem, actor, f"Known error published as {article.number} "
                                     f"({Audience(audience).label.lower()}).", internal=True)
    return Article.objects.get(pk=article.pk)


def follow(sender: type, ticket: Ticket, at: Any, **kwargs: Any) -> None:
    """Receiver of core.services.ticket_changed: a problem's change reaches its known-error article (a new version
    when its text changed; retired when the problem is cancelled). One indexed query for a problem, none for
    other kinds."""
    if ticket.kind != TicketKind.PROBLEM:
        return
    article = Article.objects.filter(known_error_of_id=ticket.pk).exclude(state=ArticleState.RETIRED).first()
    if article is None:
        return
    if kinds.of(ticket).workflow.is_cancelled(ticket.state):
        writes.move(ARTICLE, writes.lock(ARTICLE, article), None, ArticleState.RETIRED,
                    system_note=f"Retired: problem {ticket.number} was cancelled.")
        return
    wanted = text_of(ticket)
    if all(getattr(article, name) == value for name, value in wanted.items()):
        return
    from knowledge import services

    Article.objects.filter(pk=article.pk).update(**wanted)
    Ticket.objects.filter(pk=article.pk).update(version=F("version") + 1, updated_at=clock.now())
    fresh = Article.objects.select_related("knowledge_base").get(pk=article.pk)
    version = services.publish(fresh, None)
    core.add_comment(fresh, None, f"Version {version.number} published: problem {ticket.number} changed.",
                     internal=True)
