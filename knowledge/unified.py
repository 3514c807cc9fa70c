"""Knowledge in the unified search (core.unified_search): the "Knowledge articles" group of the portal's and the
workspace's search box.

Readers (everyone, `services.readable`) find the published versions they may read, ranked by the knowledge search
(knowledge.search: the title weighs most, the last word a prefix), each with a highlighted snippet of its body, never
a draft's words. The desk also finds the drafts never published yet, by the words of their working copy's title and
summary (`Ticket.search`), after the published ones. A KB number typed in full finds that article when the user may
read it: its published version in the portal, any article (drafts too) in the workspace.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.unified_search import Group, Hit, Query
from knowledge import search
from knowledge.choices import ARTICLE_WORKFLOW, ArticleState
from knowledge.models import Article
from knowledge.services import log_search, readable

KEY = "articles"
LABEL = "Knowledge articles"
KIND_LABEL = "Knowledge article"


def group(user: Any, query: Query) -> Group:
    """The articles `user` reads matching `query`, at most `query.limit` (a query for the knowledge bases' languages,
    one for the published versions and, for the desk, one for the drafts: whatever the rows)."""
    found = Group(KEY, LABEL)
    if query.number is not None:
        found.hits = by_number(user, query)
        return found
    published = list(search.search(readable(user).defer("body", "description", "published_version__body"),
                                   query.text)[:query.limit + 1])
    log_search(query.text, len(published))  # the report's "searched, not found" hears of the search box too
    hits = [published_hit(article, query.desk) for article in published]
    if query.desk and len(hits) <= query.limit:
        hits += [draft_hit(article) for article in drafts(user, query.text)[:query.limit + 1 - len(hits)]]
    found.more = len(hits) > query.limit
    found.hits = hits[:query.limit]
    if found.more:  # the knowledge base's own search, ranked the same way
        found.more_links = [("Every matching article", f"{reverse('portal-knowledge')}?{urlencode({'q': query.text})}")]
    return found


def by_number(user: Any, query: Query) -> list[Hit]:
    """The article numbered `query.number` if `user` reads it: in the portal its published version (never a draft, an
    internal or a retired article for an end user); in the workspace any article the desk reads."""
    if not query.desk:
        article = readable(user).filter(number=query.number).first()
        return [published_hit(article, desk=False)] if article is not None else []
    found = (Article.objects.visible_to(user).filter(number=query.number)
             .only("number", "kind", "title", "state", "updated_at").first())
    return [draft_hit(found)] if found is not None else []


def drafts(user: Any, text: str) -> Any:
    """The desk's drafts never published (nor retired) whose working copy's title or summary has the words, most
    recently updated first."""
    return (Article.objects.visible_to(user).filter(published_version__isnull=True)
            .exclude(state=ArticleState.RETIRED)
            .filter(search=SearchQuery(text, config="english", search_type="websearch"))
            .only("number", "kind", "title", "state", "updated_at").order_by("-updated_at", "-pk"))


def published_hit(article: Article, desk: bool) -> Hit:
    """A published article as readers get it: its published version's title and time, and the snippet where the
    words matched; linked to the desk's article page or the portal's."""
    version = article.published_version
    assert version is not None  # readable() reads published articles only
    text = getattr(article, "snippet_text", None)
    return Hit(number=article.number, title=version.title,
               url=reverse("agent-article" if desk else "portal-article", args=[article.number]),
               kind=article.kind, kind_label=KIND_LABEL, state=ArticleState.PUBLISHED,
               state_label=ARTICLE_WORKFLOW.label(ArticleState.PUBLISHED), updated_at=version.published_at,
               snippet=mark_safe(search.snippet(text)) if text else "")  # noqa: S308 - escaped by search.snippet


def draft_hit(article: Article) -> Hit:
    """An article as the desk works on it: its working copy's title and state, linked to the desk's page."""
    return Hit(number=article.number, title=article.title, url=reverse("agent-article", args=[article.number]),
               kind=article.kind, kind_label=KIND_LABEL, state=article.state,
               state_label=ARTICLE_WORKFLOW.label(article.state), updated_at=article.updated_at)
