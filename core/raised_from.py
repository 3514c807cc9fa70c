"""Raising a ticket from others, or linking them to an open one: a problem from its incidents today, a change
from the problems it fixes tomorrow.

A kind declares what it is raised from: `Kind.raised_from = {source kind key: link kind}` (an incident is "caused
by" its problem: the link goes from the source to the ticket raised for it). Every such pair then gets:
- services: `link_source` (to an open ticket only, once; then the kind's `after_link` hook, e.g. a problem's
  published workaround reaches the incident), `raise_for` (a new ticket for its sources) and `raise_or_link`
  (one or the other, all or none), the new ticket's fields taken from the first source (`Kind.fields_from`);
- pages: on a source's page, the forms of the kind's side panel post to `from_ticket`; the source's queue offers
  the ticked rows to `from_tickets` (`Kind.bulk_actions`); the ticket's own page lists its sources with a form
  to link one more (`sources_panels`, `core.ticket_page.TicketPage.link_source`).
Who may see what goes through the access rule: a source or a ticket the user may not see reads like one that
does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from core import kinds, related, writes
from core import services as core_services
from core.form_fields import TicketNumberField, TicketNumbersField
from core.kinds import Kind
from core.models import LinkKind
from core.net import safe_next
from core.permissions import permission_required
from core.references import links_of, visible_ticket_ids

SOURCES_SHOWN = 20


# --- services ------------------------------------------------------------------------------------------------


@transaction.atomic
def link_source(kind: Kind, ticket: Any, source: Any, actor: Any) -> bool:
    """Link `source` to `ticket` of `kind` (an open one only; its row is locked, so a write on it running meanwhile
    sees the link or is seen by it), then the kind's `after_link`. False when it was linked already."""
    link_kind = kind.raised_from.get(source.kind)
    source_kind = kinds.get(source.kind)
    if link_kind is None:
        raise ValidationError({kind.key: [f"A {source_kind.label.lower()} cannot be linked to a "
                                          f"{kind.label.lower()}."]})
    locked = writes.lock(kind, ticket)
    if locked.state not in kind.workflow.open_states:
        raise ValidationError({kind.key: [
            f"{locked.number} is {kind.state_label(locked.state).lower()}: link "
            f"{source_kind.label_plural.lower()} to an open {kind.label.lower()}."]})
    if related.linked(source_kind, locked, link_kind, outgoing=False).filter(pk=source.pk).exists():
        return False
    core_services.link_tickets(source, locked, link_kind, actor)
    kind.after_link(locked, source, actor)
    return True


@transaction.atomic
def raise_for(kind: Kind, actor: Any, data: Mapping[str, Any], sources: Iterable[Any] = ()) -> Any:
    """Raise a ticket of `kind` (core.writes.create) and link its `sources` to it."""
    ticket = writes.create(kind, actor, data)
    for source in sources:
        link_source(kind, ticket, source, actor)
    return ticket


@transaction.atomic
def raise_or_link(kind: Kind, actor: Any, sources: list[Any], number: str = "") -> tuple[Any, bool]:
    """Link all `sources` to the open ticket of `kind` with that number, or (no number) raise one for them, its
    fields from the first; all or none. Returns the ticket and whether it was raised now."""
    if number.strip():
        ticket = related.visible_number(kind, actor, number, kind.key)
        for source in sources:
            link_source(kind, ticket, source, actor)
        return ticket, False
    return raise_for(kind, actor, kind.fields_from(sources[0]), sources), True


def visible_sources(kind: Kind, user: Any, numbers: Iterable[str], field: str) -> list[Any]:
    """The tickets of these numbers (any kind `kind` is raised from, told by their prefix) that `user` may see,
    oldest first; else an error naming `field` and the others."""
    source_kinds = [kinds.get(key) for key in kind.raised_from]
    wanted: dict[Kind, list[str]] = {}
    for number in numbers:
        source_kind = next((k for k in source_kinds if number.startswith(k.prefix)), source_kinds[0])
        wanted.setdefault(source_kind, []).append(number)
    found = [source for source_kind, its in wanted.items()
             for source in related.visible_of(source_kind, user, numbers=its, field=field)]
    return sorted(found, key=lambda source: (source.opened_at, source.pk))


# --- the ticket's page: its sources ----------------------------------------------------------------------------


def sources_panels(kind: Kind, ticket: Any, user: Any, form: forms.Form | None = None) -> list[dict[str, Any]]:
    """For each kind `kind` is raised from: the most recent sources of `ticket` that `user` may see (from the links
    the page reads anyway, core.references.links_of), how many there are in all (seen or not), and the form that
    links one more (`form`, the one that failed, for its kind)."""
    panels = []
    for key, link_kind in kind.raised_from.items():
        source_kind = kinds.get(key)
        links = [link for link in links_of(ticket)
                 if link.target_id == ticket.pk and link.kind == link_kind and link.source.kind == key]
        visible = visible_ticket_ids(user, [link.source_id for link in links])
        shown = sorted((link.source for link in links if link.source_id in visible),
                       key=lambda source: (source.opened_at, source.pk), reverse=True)[:SOURCES_SHOWN]
        failed = form is not None and key in form.fields
        panels.append({"kind": source_kind, "count": len(links),
                       "tickets": [{"ticket": source, "url": source_kind.agent_url(source.number)} for source in shown],
                       "form": form if failed else source_link_form(source_kind)(),
                       "url": reverse(f"{kind.agent_url_name}-{key}-link", args=[ticket.number]),
                       "open": ticket.state in kind.workflow.open_states})
    return panels


def source_link_form(source_kind: Kind) -> type[forms.Form]:
    """The form of a ticket's page that links one more source, by number (field named after the source kind)."""
    return type("SourceLinkForm", (forms.Form,), {
        str(source_kind.key): TicketNumberField(label=f"{source_kind.label} number")})


# --- a source's page and queue -------------------------------------------------------------------------------


def targets_panel(kind: Kind, source: Any, user: Any) -> dict[str, Any]:
    """On a source's page (an incident's): the open or past tickets of `kind` it is linked to that `user` may see
    (from the links the page reads anyway), and the forms that link it to one or raise one from it."""
    link_kind = kind.raised_from[source.kind]
    links = [link for link in links_of(source)
             if link.source_id == source.pk and link.kind == link_kind and link.target.kind == kind.key]
    visible = visible_ticket_ids(user, [link.target_id for link in links])
    return {"template": "tickets/_targets.html", "kind": kind, "count": len(links),
            "tickets": [{"ticket": link.target, "url": kind.agent_url(link.target.number)}
                        for link in links if link.target_id in visible],
            "url": reverse(f"agent-{source.kind}-{kind.key}", args=[source.number]),
            "link_label": LinkKind(link_kind).label.lower(), "source_label": kinds.get(source.kind).label.lower()}


def raise_or_link_form(kind: Kind, *, many: bool = False) -> type[forms.Form]:
    """From a source's page or the ticked rows of its queue (`many`): link to the open ticket of the number typed
    (`mode` "link"), or raise one for them (`mode` "raise": any number typed is then ignored)."""

    def clean(self: forms.Form) -> dict[str, Any]:
        data = forms.Form.clean(self) or {}
        mode = data.get("mode") or ("link" if data.get(kind.key) else "raise")
        if mode == "link" and not data.get(kind.key) and kind.key not in self.errors:
            self.add_error(kind.key, f"Type the number of the {kind.label.lower()} to link to.")
        data[kind.key] = data.get(kind.key, "") if mode == "link" else ""
        return data

    fields: dict[str, Any] = {
        "mode": forms.ChoiceField(choices=[("raise", "Raise"), ("link", "Link")], required=False),
        str(kind.key): TicketNumberField(required=False, label=f"{kind.label} number"),
        "clean": clean,
    }
    if many:
        fields["numbers"] = TicketNumbersField()
    return type("RaiseOrLinkForm", (forms.Form,), fields)


def from_ticket(request: HttpRequest, number: str, *, kind: Kind, source_kind: Kind) -> HttpResponse:
    """Raise a ticket of `kind` from a source's page (its fields from the source), or link the source to the
    open one of the number typed; back to the source's page when refused."""
    source = get_object_or_404(source_kind.model.objects.visible_to(request.user), number=number)
    form = raise_or_link_form(kind)(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        ticket, raised = raise_or_link(kind, request.user, [source], form.cleaned_data[kind.key])
    except ValidationError as exc:
        messages.error(request, f"{number} was not linked: {writes.error_text(exc)}")
        return redirect(source_kind.agent_url(number))
    messages.success(request, f"{ticket.number} raised from {number}." if raised
                     else f"{number} is linked to {ticket.number}.")
    return redirect(kind.agent_url(ticket.number))


def from_tickets(request: HttpRequest, *, kind: Kind) -> HttpResponse:
    """Raise one ticket of `kind` for the rows ticked in a source's queue (its fields from the oldest of them), or
    link them all to the open one of the number typed (all or none)."""
    first_source = kinds.get(next(iter(kind.raised_from)))
    back = safe_next(request, first_source.queue_url())
    form = raise_or_link_form(kind, many=True)(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        sources = visible_sources(kind, request.user, form.cleaned_data["numbers"], "numbers")
        ticket, raised = raise_or_link(kind, request.user, sources, form.cleaned_data[kind.key])
    except ValidationError as exc:
        messages.error(request, f"Nothing was changed: {writes.error_text(exc)}")
        return redirect(back)
    noun = first_source.label.lower() if len(sources) == 1 else first_source.label_plural.lower()
    listed = f"{len(sources)} {noun}: {', '.join(source.number for source in sources)}"
    messages.success(request, f"{ticket.number} {'raised for' if raised else 'now lists'} {listed}.")
    return redirect(kind.agent_url(ticket.number))


def bulk_actions(kind: Kind, source_key: str) -> list[dict[str, str]]:
    """The actions a source's queue offers on its ticked rows: raise a ticket of `kind` for them, or link them."""
    source = kinds.get(source_key)
    url = reverse(f"agent-{kind.slug}-new")
    return [{"label": f"Raise a {kind.label.lower()} from the selected {source.label_plural.lower()}", "url": url,
             "name": "mode", "value": "raise"},
            {"label": f"Link the selected {source.label_plural.lower()} to a {kind.label.lower()}", "url": url,
             "name": "mode", "value": "link", "input": kind.key, "input_label": f"{kind.label} number",
             "placeholder": f"{kind.prefix}0001001"}]


def urls(kind: Kind) -> list[URLPattern]:
    """The URLs of raising `kind` from its sources, in the agent workspace (before the kind's page URLs: "raise"
    would read as a number): `agent/{kind}s/raise/` for a queue's ticked rows, and
    `agent/{source}s/<number>/{kind}/` from each source's page."""
    def agent(view: Any) -> Any:
        return permission_required("tickets.work")(require_POST(view))

    patterns = [path(f"agent/{kind.slug}/raise/", agent(lambda request: from_tickets(request, kind=kind)),
                     name=f"agent-{kind.slug}-new")]
    for key in kind.raised_from:
        source_kind = kinds.get(key)
        patterns.append(path(
            f"agent/{source_kind.slug}/<str:number>/{kind.key}/",
            agent(lambda request, number, source_kind=source_kind: from_ticket(
                request, number, kind=kind, source_kind=source_kind)),
            name=f"agent-{key}-{kind.key}"))
    return patterns
