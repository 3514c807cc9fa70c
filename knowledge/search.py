"""Searching the knowledge: PostgreSQL full-text search over the published versions readers get, weighted (title
A, keywords B, summary C, body D) with each knowledge base's stemming language, the last word matched as a prefix
(results while the user types), ranked, with a highlighted snippet. The search vector of a version is written once,
when it is published (knowledge.services.publish), in its knowledge base's language."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When

LANGUAGES = [("english", "English"), ("french", "French"), ("german", "German"), ("spanish", "Spanish"),
             ("italian", "Italian"), ("dutch", "Dutch"), ("portuguese", "Portuguese"), ("simple", "No stemming")]
WORD = re.compile(r"[\w-]+", re.UNICODE)
MAX_WORDS = 8
START, STOP = "\x02", "\x03"  # around the matches in a snippet: characters no text holds, escaped apart


# Markdown's marks in a snippet of the body: a link's target, emphasis, code, headings, table rules
LINK = re.compile(r"\[([^\]\x02\x03]*)\]\([^)\s]*\)")
EMPHASIS = re.compile(r"[*`]+|(?<!\w)_{1,2}|_{1,2}(?!\w)")
RULES = re.compile(r"[#|]+|(?<![\w-])-{3,}")


def snippet(text: str) -> str:
    """A snippet as safe HTML: the article's words without Markdown's marks (**bold**, `code`, ## headings, links'
    targets, table rules), escaped, the matches in <mark>."""
    from django.utils.html import escape

    plain = " ".join(RULES.sub(" ", EMPHASIS.sub("", LINK.sub(r"\1", text or ""))).split())
    return str(escape(plain)).replace(START, "<mark>").replace(STOP, "</mark>")


def index_version(version_id: int, language: str) -> None:
    """Write the search vector of one published version (weights: title, keywords, summary, body)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_articleversion SET search ="
            " setweight(to_tsvector(%s::regconfig, coalesce(title, '')), 'A')"
            " || setweight(to_tsvector(%s::regconfig, coalesce(keywords, '')), 'B')"
            " || setweight(to_tsvector(%s::regconfig, coalesce(summary, '')), 'C')"
            " || setweight(to_tsvector(%s::regconfig, left(coalesce(body, ''), 200000)), 'D')"
            " WHERE id = %s", [language, language, language, language, version_id])


def query_for(text: str, language: str) -> SearchQuery | None:
    """The words typed, all required, the last as a prefix ("vpn hom" finds "home"); None without a word."""
    words = [w.lower() for w in WORD.findall(text or "")][:MAX_WORDS]
    if not words:
        return None
    terms = [f"'{w}'" for w in words[:-1]] + [f"'{words[-1]}':*"]
    return SearchQuery(" & ".join(terms), search_type="raw", config=language)


def kb_languages() -> list[str]:
    """The stemming languages of the knowledge bases there are."""
    from knowledge.models import KnowledgeBase

    return list(KnowledgeBase.objects.values_list("language", flat=True).distinct())


def related(articles: QuerySet[Any], text: str, service_id: int | None = None,
            category_id: int | None = None) -> QuerySet[Any]:
    """`articles` that may answer a ticket: any word of `text` (up to eight of three letters or more) in their
    published version, or the ticket's service or category; ranked by the words, an article of the same service
    or category first among equals, each with `rank`."""
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"[^\W_]{3,}", text or "")))[:MAX_WORDS]
    match = Q(service_id=service_id) if service_id else Q()
    if category_id:
        match |= Q(category_id=category_id)
    ranked: SearchQuery | None = None
    for language in kb_languages() if words else []:
        query = SearchQuery(" | ".join(f"'{w}'" for w in words), search_type="raw", config=language)
        match |= Q(knowledge_base__language=language, published_version__search=query)
        ranked = ranked or query
    if not match:
        return articles.none()
    same_service = Case(When(service_id=service_id, then=Value(0.05)), default=Value(0.0)) if service_id \
        else Value(0.0)
    same_category = Case(When(category_id=category_id, then=Value(0.03)), default=Value(0.0)) if category_id \
        else Value(0.0)
    rank = SearchRank(F("published_version__search"), ranked) if ranked is not None else Value(0.0)
    return (articles.filter(match).annotate(rank=rank + same_service + same_category)
            .order_by("-rank", "-published_version__published_at", "-pk"))


def search(articles: QuerySet[Any], text: str, languages: list[str] | None = None) -> QuerySet[Any]:
    """`articles` (already through the access rule) whose published version matches `text` in any of the
    knowledge bases' `languages`, best first, each with `rank` and `snippet_text` (see `snippet`)."""
    if languages is None:
        languages = kb_languages()
    queries: list[tuple[str, SearchQuery]] = []
    for language in languages:
        query = query_for(text, language)
        if query is not None:
            queries.append((language, query))
    if not queries:
        return articles.none()
    match = Q()
    for language, query in queries:
        match |= Q(knowledge_base__language=language, published_version__search=query)
    # ranked by the first language's query (one knowledge base's in nearly every installation)
    language, query = queries[0]
    return (articles.filter(match)
            .annotate(rank=SearchRank(F("published_version__search"), query),
                      snippet_text=SearchHeadline("published_version__body", query, config=language,
                                                  start_sel=START, stop_sel=STOP, max_words=30, min_words=12,
                                                  max_fragments=2))
            .order_by("-rank", "-published_version__published_at", "-pk"))
