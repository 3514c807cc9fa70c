"""Knowledge services: who reviews an article, and publishing a version (what readers get: its text and the files
it refers to, knowledge.files)."""

from __future__ import annotations

import difflib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet

from accounts.models import User
from accounts.roles import Role
from core import clock
from core import services as core
from core.models import LinkKind, Ticket, TicketLink
from knowledge import files, search
from knowledge.choices import ArticleState, Audience
from knowledge.models import Article, ArticleFeedback, ArticleVersion, Deflection, SearchLog


def readable(user: Any) -> QuerySet[Article]:
    """The articles `user` reads (the portal, the readers' API, suggestions): published to them through the access
    rule, with a published version, not retired."""
    return (Article.objects.visible_to(user).filter(published_version__isnull=False)
            .exclude(state=ArticleState.RETIRED).select_related("published_version", "knowledge_base"))


def reviewers(article: Article) -> list[Any]:
    """Who approves a new version: the knowledge base's reviewers team (active members), else the managers; never
    its author (who sent it to review)."""
    team = article.knowledge_base.reviewers
    people = User.objects.filter(is_active=True)
    people = people.filter(teams=team) if team is not None else people.filter(role__in=[Role.MANAGER, Role.ADMIN])
    return list(people.exclude(pk=article.requester_id).exclude(pk=article.assignee_id or 0).order_by("pk"))


def publish(article: Article, actor: Any) -> ArticleVersion:
    """The article's working copy becomes its new published version (numbered 1, 2, ...): readers get it, end
    users only if it is public, with the article's files its body refers to (knowledge.files)."""
    number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    organizations = sorted(article.organizations.values_list("pk", flat=True))
    version = ArticleVersion.objects.create(
        article=article, number=number, title=article.title, summary=article.description, body=article.body,
        keywords=article.keywords, audience=article.audience, public_to=organizations or None,
        author=article.assignee or article.requester,
        approved_by=actor if getattr(actor, "pk", None) else None, published_at=clock.now())
    version.files.set(files.referenced(article, article.body))
    search.index_version(version.pk, article.knowledge_base.language)
    serve(article, version)
    return version


def serve(article: Article, version: ArticleVersion) -> None:
    """Readers get `version` from now on: the whole desk, and end users if it is public (all of them, or those of
    its organizations) — the access rule reads Ticket.public and Ticket.public_to."""
    Article.objects.filter(pk=article.pk).update(published_version=version)
    Ticket.objects.filter(pk=article.pk).update(public=version.audience == Audience.PUBLIC,
                                                public_to=version.public_to)


@transaction.atomic
def set_organizations(article: Article | Ticket, actor: Any, organizations: Any) -> Article:
    """Restrict the article to the end users of these organizations (none: everyone), journaled. Like the rest of
    the working copy, it reaches readers with the next published version."""
    from core import access, writes
    from core.services import FieldChange
    from knowledge.kind import ARTICLE

    locked: Article = writes.lock(ARTICLE, article)
    if locked.state not in ARTICLE.workflow.open_states:
        raise ValidationError({"organizations": [
            f"{locked.number} is {locked.get_state_display().lower()}: bring it back to draft to change who reads "
            "it (readers keep the published version meanwhile)."]})
    access.require(actor, "edit", locked, "You may not change this article.")
    before = {org.pk: org.name for org in locked.organizations.all()}
    wanted = {org.pk: org.name for org in organizations}
    if set(before) == set(wanted):
        return locked
    locked.organizations.set(list(wanted))
    names = lambda rows: ", ".join(sorted(rows.values()))  # noqa: E731
    core.commit(locked, actor, [FieldChange("organizations", names(before), names(wanted), internal=True)])
    return locked


def may_roll_back(article: Article, user: Any) -> bool:
    """A rollback publishes without review: the knowledge base's reviewers and the managers may."""
    if user is None:
        return True
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    team = article.knowledge_base.reviewers
    return team is not None and team.members.filter(pk=user.pk).exists()


@transaction.atomic
def roll_back(article: Article, number: int, actor: Any) -> ArticleVersion:
    """Publish again what version `number` said, with its files, as a new version (the history keeps every one);
    the working copy is left as it is. Journaled as a work note."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if not may_roll_back(locked, actor):
        raise PermissionDenied("Only the knowledge base's reviewers or a manager may roll an article back.")
    old = locked.versions.filter(number=number).first()
    if old is None:
        raise ValidationError({"version": [f"{locked.number} has no version {number}."]})
    if locked.state == ArticleState.RETIRED:
        raise ValidationError({"version": [f"{locked.number} is retired: bring it back to draft first."]})
    newest = locked.versions.aggregate(n=Max("number"))["n"] or 0
    version = ArticleVersion.objects.create(
        article=locked, number=newest + 1, title=old.title, summary=old.summary, body=old.body,
        keywords=old.keywords, audience=old.audience, public_to=old.public_to, author=old.author,
        approved_by=actor if getattr(actor, "pk", None) else None, published_at=clock.now())
    version.files.set(old.files.all())
    search.index_version(version.pk, locked.knowledge_base.language)
    serve(locked, version)
    core.add_comment(locked, actor, f"Version {version.number} published: the text of version {number} again "
                                    "(a rollback).", internal=True)
    return version


def diff(old: ArticleVersion, new: ArticleVersion) -> list[dict[str, Any]]:
    """What changed from `old` to `new`, line by line, for people: each field with its lines kept, added or
    removed (unchanged stretches longer than a few lines are folded)."""
    out = []
    for label, before, after in (("Title", old.title, new.title), ("Summary", old.summary, new.summary),
                                 ("Keywords", old.keywords, new.keywords), ("Article", old.body, new.body)):
        if before == after:
            continue
        lines: list[dict[str, str]] = []
        old_lines, new_lines = before.splitlines(), after.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                same: list[str | None] = list(old_lines[a1:a2])
                shown = same if len(same) <= 4 else [*same[:2], None, *same[-2:]]
                lines.extend({"op": "same", "text": line} if line is not None else {"op": "fold", "text": "…"}
                             for line in shown)
                continue
            lines.extend({"op": "removed", "text": line} for line in old_lines[a1:a2])
            lines.extend({"op": "added", "text": line} for line in new_lines[b1:b2])
        out.append({"label": label, "lines": lines})
    return out


def give_feedback(article: Article, user: Any, helpful: bool, comment: str = "") -> ArticleFeedback:
    """Record whether the article helped `user` (a second answer replaces the first), on the version they read."""
    comment = (comment or "").strip()[:1000]
    feedback, _ = ArticleFeedback.objects.update_or_create(
        article=article, user=user, defaults={"helpful": helpful, "comment": comment,
                                              "version_id": article.published_version_id, "created_at": clock.now()})
    return feedback


def record_view(article: Article) -> None:
    """One more reading of the article (a counter, not who read it)."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


def helpfulness(article: Article) -> dict[str, Any]:
    """How many found it helpful, of how many answered, as a percentage (None before the first answer)."""
    counts = article.feedback.aggregate(yes=Count("pk", filter=Q(helpful=True)), total=Count("pk"))
    total = counts["total"] or 0
    return {"yes": counts["yes"] or 0, "total": total,
            "percent": round(100 * (counts["yes"] or 0) / total) if total else None}


def deflect(article: Article, user: Any, attempt: str) -> bool:
    """Count that `article` solved `user`'s issue in the report form `attempt` (once per attempt: True the first
    time, False after)."""
    _deflection, created = Deflection.objects.get_or_create(
        user=user, attempt=attempt[:32], defaults={"article": article, "created_at": clock.now()})
    return created


def log_search(text: str, results: int) -> None:
    """Remember a reader's search (its words, lower-cased, and how many articles it found) for the report."""
    words = " ".join(text.lower().split())[:200]
    if words:
        SearchLog.objects.create(text=words, results=results, created_at=clock.now())


def record_solution(ticket: Ticket, number: str, actor: Any) -> Article:
    """Record that article `number` (any case; published, not retired, one `actor` reads) solved `ticket` (a core
    link "solved by", journaled on both as a work note): the article counts it in "used to resolve". Refused on
    `solved_by` otherwise (a draft, a retired article, a typo)."""
    articles = readable(actor) if actor is not None else Article.objects.filter(published_version__isnull=False)
    article = articles.exclude(state=ArticleState.RETIRED).filter(number=number.strip().upper()).first()
    if article is None:
        raise ValidationError({"solved_by": [f"No published knowledge article {number.strip().upper()}."]})
    core.link_tickets(ticket, article, LinkKind.SOLVED_BY, actor)
    return article


def used_to_resolve(article: Article) -> int:
    """How many tickets named the article as their solution when they were resolved."""
    return TicketLink.objects.filter(target_id=article.pk, kind=LinkKind.SOLVED_BY).count()
