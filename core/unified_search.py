"""The one search box of the portal and of the workspace: tickets the user may see next to knowledge articles.

`run(user, text, desk=...)` answers with groups of hits: "tickets", every kind's tickets found through THE access
rule (`Ticket.objects.visible_to`) by an exact number (INC0001234, any registered kind's prefix, in any case) or by
the words of their title and description (the GIN-indexed `Ticket.search` column, the queues' own text search:
websearch syntax, English stemming), most recently updated first; and a group for each kind that fills one of its own
(`core.kinds.Kind.search_group`: knowledge articles, ranked, with highlighted snippets). `core` never imports a
practice app: the kinds registry says which kinds there are, their labels, states and pages.

`desk` says whose pages the hits link to: the agent pages (the workspace's box), or the end user's pages (the portal's
box: kinds without a portal page are left out, whoever the user is). A number the user may not see finds nothing,
exactly like a number that does not exist. Each group reads at most `limit` + 1 rows (one more says there are more),
in a constant number of queries whatever the rows: the kind and state labels come from the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.db.models import QuerySet
from django.urls import reverse

from core import kinds
from core.models import Ticket

MAX_LENGTH = 200  # the longest text the box takes
LIMIT = 10  # hits per group
FEW = 1000  # matching tickets sorted in Python rather than by an ordered index walk (see `newest`)
TICKETS = "tickets"


@dataclass(frozen=True)
class Query:
    """What was typed (`text`, stripped), the ticket number it is when it is exactly one (upper case) or None, which
    pages the hits link to (`desk`: the agent pages) and how many hits a group shows."""

    text: str
    number: str | None
    desk: bool
    limit: int = LIMIT


@dataclass(frozen=True)
class Hit:
    """One ticket or article found: what a row shows (labels, never codes) and the page it links to. `kind` and
    `state` are the stored codes, for the API and the state badge's colour; `snippet` is safe HTML (the text escaped,
    the matches in <mark>) or ""."""

    number: str
    title: str
    url: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    updated_at: datetime | None
    snippet: str = ""


@dataclass
class Group:
    """A group of hits (`key`: "tickets", "articles"), at most the query's limit; `more` says there were more than
    shown, and `more_links` (label, URL) are where to see all of them, where a list takes the words."""

    key: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False
    more_links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Results:
    query: Query
    groups: list[Group]

    def group(self, key: str) -> Group:
        return next((g for g in self.groups if g.key == key), Group(key, key))

    @property
    def count(self) -> int:
        return sum(len(g.hits) for g in self.groups)

    @property
    def exact(self) -> Hit | None:
        """The one hit of a number typed in full: the page to go straight to."""
        if self.query.number is None:
            return None
        hits = [hit for group in self.groups for hit in group.hits]
        return hits[0] if len(hits) == 1 else None


def number_pattern() -> re.Pattern[str]:
    """A ticket number of any registered kind (INC0001234, RITM0001001, KB0001001), in any case."""
    prefixes = sorted((re.escape(kind.prefix) for kind in kinds.registered()), key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(prefixes)})\d{{4,}}$", re.IGNORECASE)


def make_query(text: str, *, desk: bool, limit: int = LIMIT) -> Query:
    """The query of what was typed: stripped, at most MAX_LENGTH characters (callers refuse longer ones first)."""
    text = " ".join((text or "").split())[:MAX_LENGTH]
    number = text.upper() if text and number_pattern().match(text) else None
    return Query(text=text, number=number, desk=desk, limit=limit)


def run(user: Any, text: str, *, desk: bool, limit: int = LIMIT) -> Results:
    """Search what `user` may see for `text`: the tickets group first for the desk, the kinds' own groups (knowledge)
    first in the portal. Nothing for a blank text."""
    query = make_query(text, desk=desk, limit=limit)
    if not query.text:
        return Results(query, [])
    own = [group for kind in kinds.registered() if kind.search_group_key != TICKETS
           if (group := kind.search_group(user, query)) is not None]
    tickets = ticket_group(user, query)
    return Results(query, [tickets, *own] if desk else [*own, tickets])


def ticket_kinds(desk: bool) -> list[kinds.Kind]:
    """The kinds listed in the tickets group: those without a group of their own, with a page to link to."""
    return [kind for kind in kinds.registered() if kind.search_group_key == TICKETS
            and (kind.agent_url_name if desk else kind.portal_url_name)]


def ticket_group(user: Any, query: Query) -> Group:
    """The tickets `user` may see matching the query: the one numbered so, or those whose title or description has
    the words (most recently updated first, `limit` + 1 rows read: one query, on the GIN index and the access rule)."""
    listed = ticket_kinds(query.desk)
    group = Group(TICKETS, "Tickets")
    if not listed:
        return group
    tickets = (Ticket.objects.visible_to(user).filter(kind__in=[kind.key for kind in listed])
               .only("number", "kind", "title", "state", "updated_at"))
    if query.number is not None:
        tickets = tickets.filter(number=query.number)
    else:
        tickets = tickets.filter(search=SearchQuery(query.text, config="english", search_type="websearch"))
    rows = newest(tickets, query.limit + 1)
    group.more = len(rows) > query.limit
    rows = rows[:query.limit]
    urls = ticket_urls(rows, user, desk=query.desk)
    group.hits = [hit_of(ticket, urls[ticket.number]) for ticket in rows if urls.get(ticket.number)]
    if group.more and query.desk:  # each kind's queue, every ticket the user may see, with the same words
        words = urlencode({"queue": "recent", "q": query.text})
        group.more_links = [(kind.label_plural, f"{reverse(kind.queue_url_name)}?{words}") for kind in listed
                            if kind.queue_url_name]
    return group


def newest(tickets: QuerySet[Ticket], limit: int) -> list[Ticket]:
    """The `limit` most recently updated of `tickets`, fast whether the words are rare or common.

    Ordered by `updated_at` with a LIMIT, PostgreSQL walks the `ticket_updated` index and filters each row on the
    words, which is quick when they are common but reads the whole table when they match few or no tickets (at 1M
    tickets: 0.3-0.5 s for a manager typing a word nobody used; the planner cannot know a lexeme is rare). So the
    matches are first read without an order (the GIN index, or a scan that stops early for common words), at most
    FEW + 1 of them, and sorted here; only when there are more than FEW is the ordered walk asked for, and then the
    matches are dense enough for it to stop soon (about limit x rows / FEW index entries)."""
    few = list(tickets.order_by()[:FEW + 1])
    if len(few) <= FEW:
        return sorted(few, key=lambda ticket: (ticket.updated_at, ticket.pk), reverse=True)[:limit]
    return list(tickets.order_by("-updated_at", "-id")[:limit])


def ticket_urls(tickets: list[Ticket], user: Any, *, desk: bool) -> dict[str, str]:
    """The page of each ticket, by number: the agent page, or the end user's page of its kind (one query at most per
    kind that needs one, e.g. a requested item's request); a ticket without one is left out."""
    if desk:
        return {ticket.number: url for ticket in tickets if (url := kinds.agent_url_of(ticket))}
    urls: dict[str, str] = {}
    by_kind: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        by_kind.setdefault(ticket.kind, []).append(ticket)
    for key, rows in by_kind.items():
        kind = kinds.find(key)
        if kind is not None:
            urls.update(kind.portal_urls(rows, user))
    return urls


def hit_of(ticket: Ticket, url: str) -> Hit:
    """A ticket of a registered kind as a hit: its kind's and state's labels from the registry."""
    kind = kinds.get(ticket.kind)
    return Hit(number=ticket.number, title=ticket.title, url=url, kind=ticket.kind, kind_label=kind.label,
               state=ticket.state, state_label=kind.state_label(ticket.state), updated_at=ticket.updated_at)
