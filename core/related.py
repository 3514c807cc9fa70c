"""Tickets a practice reaches from another ticket: by number or id for one user, linked to a ticket, or alike.

A problem links the incidents it causes, lists them and counts them; a change will list the problems it fixes.
What every such pair needs is here once, on the core table and through the one access rule:
- `visible_of` / `visible_number`: the tickets of a kind a user typed or ticked, or an error naming the field
  (one the user may not see reads like one that does not exist);
- `linked` / `linked_ids` / `link_count`: the tickets at the other end of one kind of link;
- `similar`: tickets that look like a text (same service or category, or its words in their text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.kinds import Kind
from core.models import Ticket, TicketLink
from core.references import links_of


def visible_of(kind: Kind, user: Any, *, ids: Iterable[int] = (), numbers: Iterable[str] = (),
               field: str = "tickets") -> list[Any]:
    """The tickets of `kind` with these `ids` or `numbers` (in that order) when `user` may see each; else an
    error naming `field` and the others."""
    ids, numbers = list(dict.fromkeys(ids)), list(dict.fromkeys(numbers))
    rows = list(kind.model.objects.visible_to(user).filter(Q(pk__in=ids) | Q(number__in=numbers)))
    by_id, by_number = {row.pk: row for row in rows}, {row.number: row for row in rows}
    missing = [str(pk) for pk in ids if pk not in by_id] + [n for n in numbers if n not in by_number]
    if missing:
        raise ValidationError({field: [f"No {kind.label.lower()} {', '.join(missing)} that you can see."]})
    return [by_id[pk] for pk in ids] + [by_number[n] for n in numbers]


def visible_number(kind: Kind, user: Any, number: str, field: str) -> Any:
    """The ticket of `kind` with that number (any case, spaces around) if `user` may see it; else an error
    naming `field`."""
    return visible_of(kind, user, numbers=[number.strip().upper()], field=field)[0]


def linked(kind: Kind, ticket: Ticket, link_kind: str, *, outgoing: bool) -> QuerySet[Any]:
    """The tickets of `kind` linked to `ticket` by `link_kind`: those it points at (`outgoing`, e.g. an
    incident's problems, "caused by") or those pointing at it (a problem's incidents)."""
    near, far = ("source_id", "target_id") if outgoing else ("target_id", "source_id")
    return kind.model.objects.filter(pk__in=TicketLink.objects.filter(**{near: ticket.pk}, kind=link_kind).values(far))


def linked_ids(ticket: Ticket, link_kind: str, *, outgoing: bool) -> list[int]:
    """The ids `linked` would give, from the links the ticket's page reads anyway (core.references.links_of)."""
    if outgoing:
        return [link.target_id for link in links_of(ticket) if link.source_id == ticket.pk and link.kind == link_kind]
    return [link.source_id for link in links_of(ticket) if link.target_id == ticket.pk and link.kind == link_kind]


def link_count(link_kind: str, source_kind: str) -> Coalesce:
    """An annotation: how many tickets of `source_kind` point at each row by `link_kind` (one subquery,
    whatever the page size)."""
    links = (TicketLink.objects.filter(target_id=OuterRef("pk"), kind=link_kind, source__kind=source_kind)
             .order_by().values("target_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


def similar(queryset: QuerySet[Any], text: str, *, service_id: int | None = None,
            category_id: int | None = None) -> QuerySet[Any]:
    """Tickets of `queryset` that look alike: the same service or category, or any word of `text` (up to eight
    of three letters or more) in their title and description (full text)."""
    condition = Q()
    if service_id:
        condition |= Q(service_id=service_id)
    if category_id:
        condition |= Q(category_id=category_id)
    words = list(dict.fromkeys(re.findall(r"[^\W_]{3,}", text.lower())))[:8]
    if words:
        condition |= Q(search=SearchQuery(" | ".join(words), config="english", search_type="raw"))
    return queryset.filter(condition) if condition else queryset.none()
