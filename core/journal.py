"""How a journal entry reads to the person looking at it: labels for choice fields, references per viewer.

The journal stores what integrations can rely on: a choice field's change keeps the codes (`old_value` "5",
`new_value` "4" for a priority; "in_progress" for a state), and a change that points at another ticket keeps the
ticket as a foreign key (`old_ticket` / `new_ticket`) with only its number in the text. Pages and the API turn
that into words with `present()`: the choice's label ("5 - Planning"), and the other ticket's number and title
only when the viewer may see it (core.references), "another ticket" otherwise.

Each ticket kind declares the choice lists of its own fields (`Kind.choice_fields`, core.kinds); the fields
every ticket shares (impact, urgency, priority) are declared here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import kinds
from core.models import Attachment, Impact, JournalEntry, Priority, Ticket, Urgency
from core.references import (
    TicketReference,
    links_of,
    reference,
    split_around_number,
    visible_exists,
    visible_ticket_ids,
)

# Fields whose journal values point at another ticket (their entries carry old_ticket / new_ticket).
REFERENCE_FIELDS = frozenset({"link", "parent"})
# an instant as core.services.display stores it: "2026-12-13T01:00:00+00:00"
INSTANT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")

SHARED_CHOICES = {"impact": Impact.choices, "urgency": Urgency.choices, "priority": Priority.choices}


def _labels(kind: str | None, field: str) -> dict[str, str] | None:
    """{code: label} of a choice field of the kind (or shared by every kind), None for other fields."""
    declared = kinds.find(kind) if kind else None
    choices = (declared.choice_fields.get(field) if declared else None) or SHARED_CHOICES.get(field)
    return None if choices is None else {str(value): str(text) for value, text in choices}


def is_choice_field(kind: str | None, field: str) -> bool:
    return _labels(kind, field) is not None


def label(kind: str | None, field: str, value: str) -> str:
    """The label of a stored journal value: "4" of a priority -> "4 - Low"; an instant (ISO 8601) -> its time in
    the viewer's time zone ("2026-12-13 02:00"); anything else as it is."""
    if value == "":
        return ""
    labels = _labels(kind, field)
    if labels is None:
        if INSTANT_RE.match(value):
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        return value
    return labels.get(value, value)


def code_of(kind: str | None, field: str, text: str) -> str:
    """The code of a label ("In progress" -> "in_progress"); the text itself when it is none (used by the data
    migration of entries written before codes were stored)."""
    labels = _labels(kind, field) or {}
    if text in labels:
        return text
    for code, choice_label in labels.items():
        if choice_label == text:
            return code
    return text


def _reference_side(value: str, ticket_id: int | None, tickets: dict[int, Ticket], *, deleted: bool
                    ) -> tuple[str, str, SafeString, TicketReference]:
    """(API value, label, HTML, reference) of one side of a reference entry."""
    ticket = tickets.get(ticket_id) if ticket_id else None
    # `tickets` holds only those the viewer may see
    ref = reference(ticket, {ticket.pk}) if ticket is not None else TicketReference(visible=False, gone=deleted)
    parts = split_around_number(value, ref.number)
    if parts is None:  # no number in the text: nothing to hide
        return value, value, format_html("{}", value), ref
    before, _number, after = parts
    return (before + ref.short + after, before + ref.text + after,
            format_html("{}{}{}", before, ref.html(), after), ref)


def with_references(entries: QuerySet[JournalEntry], user) -> QuerySet[JournalEntry]:
    """The entries with what `present` needs to render their ticket references for `user`, in the same query:
    the referenced tickets (number, title, kind) and whether the access rule lets `user` see them."""
    return entries.select_related("old_ticket", "new_ticket").defer(
        "old_ticket__search", "old_ticket__description", "new_ticket__search", "new_ticket__description",
    ).annotate(old_visible=visible_exists(user, "old_ticket_id"), new_visible=visible_exists(user, "new_ticket_id"))


def present(entries: Iterable[JournalEntry], user, kind: str | None,
            known: dict[int, Ticket] | None = None) -> list[JournalEntry]:
    """The entries (of tickets of `kind`) ready to show to `user`. Sets on each entry, for both sides:

    - `old_label` / `new_label`: plain words (choice labels; the other ticket's number and title, or
      "another ticket");
    - `old_html` / `new_html`: the same, escaped, with a link to a ticket the viewer may open;
    - `api_old_value` / `api_new_value`: the stored value, with a ticket the viewer may not see reduced to
      "another ticket";
    - `old_ref` / `new_ref`: the TicketReference (None when the entry points at no ticket).

    Entries read `with_references` cost no further query; others one query for all their referenced tickets,
    through the access rule (none when no entry refers to a ticket). With `known` tickets (by id: those the page
    has read anyway, its links' ends), one query for which of them the viewer may see (answered again without a
    query to the page's links panel: core.references.visible_ticket_ids) and one for the others, if any.
    """
    entries = list(entries)
    tickets: dict[int, Ticket] = {}
    if entries and hasattr(entries[0], "old_visible"):
        for entry in entries:
            for side in ("old", "new"):
                if getattr(entry, f"{side}_visible"):
                    ticket = getattr(entry, f"{side}_ticket")
                    tickets[ticket.pk] = ticket
    else:
        ids = {pk for e in entries if e.field in REFERENCE_FIELDS for pk in (e.old_ticket_id, e.new_ticket_id) if pk}
        if ids and known is not None:
            visible = visible_ticket_ids(user, ids)
            unknown = visible - known.keys()
            fetched = {t.pk: t for t in Ticket.objects.filter(pk__in=unknown).only("pk", "number", "title", "kind")
                       } if unknown else {}
            tickets = {pk: ticket for pk in visible if (ticket := known.get(pk) or fetched.get(pk)) is not None}
        elif ids:
            tickets = {t.pk: t for t in Ticket.objects.visible_to(user).filter(pk__in=ids)
                       .only("pk", "number", "title", "kind")}
    for entry in entries:
        for side in ("old", "new"):
            value = getattr(entry, f"{side}_value")
            ref = None
            if entry.field in REFERENCE_FIELDS and value:
                ticket_id = getattr(entry, f"{side}_ticket_id")
                # no ticket recorded: it was deleted since (SET_NULL)
                api_value, text, html, ref = _reference_side(value, ticket_id, tickets, deleted=ticket_id is None)
            else:
                api_value, text = value, label(kind, entry.field, value)
                html = format_html("{}", text)
            setattr(entry, f"api_{side}_value", api_value)
            setattr(entry, f"{side}_label", text)
            setattr(entry, f"{side}_html", html)
            setattr(entry, f"{side}_ref", ref)
    return entries


def activity(ticket: Ticket, user, attachments: Iterable[Attachment]) -> list[JournalEntry]:
    """A ticket's activity stream for the desk's page, newest first: every entry with its actor, its `files`
    (taken from `attachments`, the ticket's, which the page reads once for its files panel too) and its
    references, ready to show to `user` (a constant number of queries: the referenced tickets, when there are
    any, in one more; most streams have none, so their query carries no access-rule subqueries)."""
    entries = list(JournalEntry.objects.filter(ticket_id=ticket.pk).select_related("actor")
                   .order_by("-created_at", "-id"))
    # the tickets of its links (the page's links panel reads them anyway): most references point at them
    ends = {end.pk: end for link in links_of(ticket) for end in (link.source, link.target)} if any(
        entry.field in REFERENCE_FIELDS for entry in entries) else {}
    entries = present(entries, user, ticket.kind, known=ends)
    files: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        if attachment.journal_entry_id is not None:
            files.setdefault(attachment.journal_entry_id, []).append(attachment)
    for entry in entries:
        entry.files = files.get(entry.pk, [])  # type: ignore[attr-defined]
    return entries
