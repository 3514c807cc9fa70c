"""References to other tickets, rendered for the person looking at them.

A journal entry about a link or a parent, and the links panel, point at another ticket. Whether the viewer may
see that ticket is decided by THE access rule (`Ticket.objects.visible_to`), at the moment of viewing: a ticket
they may open shows its number, title and page; any other is only "another ticket" (not even its number, which
would tell its kind and when it was raised). Nothing here stores a title: references are kept as foreign keys.

Each ticket kind declares its agent page (core.kinds), so `core` never imports a practice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import kinds
from core.models import VISIBILITY_MEMO, Ticket, TicketLink, user_object

HIDDEN_TEXT = "another ticket"
GONE_TEXT = "a deleted ticket"
# A ticket number as the journal stores it (INC0001001, RITM0000042...).
NUMBER_RE = re.compile(r"\b[A-Z]{2,5}\d{7}\b")

def page_url(ticket: Ticket) -> str:
    """The agent page of `ticket`, or "" when no installed app declares its kind."""
    return kinds.agent_url_of(ticket)


# What the pages show of the ticket at the other end of a link (a reference; a problem's incidents, by state and
# newest first).
LINKED_TICKET_FIELDS = ("number", "title", "kind", "state", "opened_at")


def links_of(ticket: Ticket) -> list[TicketLink]:
    """The ticket's links both ways, oldest first, with the tickets at both ends (LINKED_TICKET_FIELDS only); read
    once per ticket object: the links panel and the kinds' side panels (an incident's problems) share them."""
    cached = ticket.__dict__.get("_links_both_ways")
    if cached is None:
        cached = ticket.__dict__["_links_both_ways"] = list(
            TicketLink.objects.filter(Q(source_id=ticket.pk) | Q(target_id=ticket.pk))
            .select_related("source", "target")
            .only("source_id", "target_id", "kind", "created_by_id", "created_at",
                  *(f"{end}__{name}" for end in ("source", "target") for name in LINKED_TICKET_FIELDS))
            .order_by("created_at", "id"))
    return cached


def visible_ticket_ids(user, ids: Iterable[int | None]) -> set[int]:
    """Which of the ticket `ids` `user` may see: one query through the access rule for those not asked yet of
    this user object (request.user: of this request), none when there are none. A page's activity stream and its
    links panel ask about the same tickets: the second asks nothing. Adding or removing a watcher of the user
    forgets the answers (core.models.forget_watched)."""
    wanted = {pk for pk in ids if pk}
    known: dict[int, bool] = user_object(user).__dict__.setdefault(VISIBILITY_MEMO, {})
    missing = wanted - known.keys()
    if missing:
        seen = set(Ticket.objects.visible_to(user).filter(pk__in=missing).values_list("pk", flat=True))
        known.update((pk, pk in seen) for pk in missing)
    return {pk for pk in wanted if known[pk]}


def visible_exists(user, ticket_field: str) -> Exists:
    """An annotation: whether `user` may see the ticket in the outer query's `ticket_field` (the rule's inputs,
    the user's teams and watched tickets, are read once per request: core.models.watched_numbers)."""
    return Exists(Ticket.objects.visible_to(user).filter(pk=OuterRef(ticket_field)))


@dataclass(frozen=True)
class TicketReference:
    """A ticket as one viewer may know it: everything when `visible`, nothing otherwise."""

    visible: bool
    pk: int | None = None
    number: str = ""
    title: str = ""
    kind: str = ""
    url: str = ""
    gone: bool = False

    @property
    def text(self) -> str:
        """Plain words: "INC0001001 Printer down", "another ticket" or "a deleted ticket"."""
        if self.gone:
            return GONE_TEXT
        return f"{self.number} {self.title}" if self.visible else HIDDEN_TEXT

    @property
    def short(self) -> str:
        """The number when visible (what the journal's text columns hold), else the hidden wording."""
        if self.gone:
            return GONE_TEXT
        return self.number if self.visible else HIDDEN_TEXT

    def html(self) -> SafeString:
        """The number linked to its page and the title, or the hidden wording (escaped)."""
        if not self.visible or self.gone:
            return format_html('<span class="fst-italic" title="{}" data-testid="hidden-ticket">{}</span>',
                               "You cannot open this ticket." if not self.gone else "", self.text)
        if self.url:
            return format_html('<a href="{}">{}</a> {}', self.url, self.number, self.title)
        return format_html("{} {}", self.number, self.title)

    def as_api(self) -> dict | None:
        """The API's view: `{"id", "number", "title", "kind"}` when visible, else None."""
        if not self.visible or self.gone:
            return None
        return {"id": self.pk, "number": self.number, "title": self.title, "kind": self.kind}


def reference(ticket: Ticket | None, visible_ids: set[int]) -> TicketReference:
    """`ticket` for a viewer who may see `visible_ids` (see visible_ticket_ids); None is a deleted ticket."""
    if ticket is None:
        return TicketReference(visible=False, gone=True)
    if ticket.pk not in visible_ids:
        return TicketReference(visible=False)
    return TicketReference(visible=True, pk=ticket.pk, number=ticket.number, title=ticket.title, kind=ticket.kind,
                           url=page_url(ticket))


def split_around_number(text: str, number: str = "") -> tuple[str, str, str] | None:
    """`text` cut around the ticket number it holds ("related to INC0001001" -> "related to ", number, ""),
    or None when it holds none."""
    if number and number in text:
        before, _, after = text.partition(number)
        return before, number, after
    match = NUMBER_RE.search(text)
    if match is None:
        return None
    return text[:match.start()], match.group(0), text[match.end():]
