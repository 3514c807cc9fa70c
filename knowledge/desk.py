"""Knowledge at the desk's side: on an incident's or a problem's page, the articles that may answer it (by its
words and service, or words the agent types), each public one with "Insert in reply" (its portal link into the
reply to the requester, and as the resolution's "solved by"); a new article drafted from the ticket (its title,
description and what solved it), linked to it; and on a problem's page, its known-error article
(knowledge.known_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import kinds
from core.models import Ticket, TicketKind
from core.notifications import site_link
from core.permissions import permission_required
from knowledge import search
from knowledge.choices import Audience
from knowledge.models import KnowledgeBase
from knowledge.services import readable

SUGGESTED = 5
# the pages that suggest articles, and what a draft written from one of their tickets takes as its solution
SUGGEST_ON = frozenset({TicketKind.INCIDENT, TicketKind.PROBLEM})


class KnownErrorForm(forms.Form):
    knowledge_base = forms.ModelChoiceField(KnowledgeBase.objects.all(), label="Knowledge base", empty_label=None)
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.INTERNAL, label="Who reads it",
                                 widget=forms.RadioSelect)


def known_error_panel(problem: Ticket, form: KnownErrorForm | None = None) -> dict[str, Any]:
    """On a problem's page: its known-error article, or the form that publishes it once it is a known error."""
    from knowledge import known_errors

    article = known_errors.article_of(problem)
    return {"template": "knowledge/desk/_known_error_panel.html", "number": problem.number, "article": article,
            "known_error": getattr(problem, "known_error", False),
            "form": form or (KnownErrorForm() if article is None else None)}


@require_POST
@permission_required("tickets.work")
def publish_known_error(request: HttpRequest, number: str) -> HttpResponse:
    """Publish a problem's known error as a knowledge article (internal, or public by choice)."""
    from knowledge import known_errors

    problem = get_object_or_404(Ticket.objects.visible_to(request.user).filter(kind=TicketKind.PROBLEM),
                                number=number)
    form = KnownErrorForm(request.POST)
    if form.is_valid():
        try:
            article = known_errors.publish(problem, request.user, form.cleaned_data["knowledge_base"],
                                           form.cleaned_data["audience"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Known error published as {article.number}: it follows the problem's "
                                      "workaround from now on.")
        return redirect(reverse("agent-problem", args=[number]) + "#known-error-article")
    messages.error(request, "Not published: choose a knowledge base and who reads it.")
    return redirect(reverse("agent-problem", args=[number]) + "#known-error-article")


def suggestions_panel(ticket: Ticket) -> dict[str, Any]:
    """The panel on a ticket's page (its suggestions load after the page: a text search)."""
    return {"template": "knowledge/desk/_ticket_panel.html", "number": ticket.number, "top": True}


@permission_required("tickets.work")
def suggestions(request: HttpRequest, number: str) -> HttpResponse:
    """The articles that may answer ticket `number` (htmx): by its title and service, or by the words in `q`."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user).filter(kind__in=SUGGEST_ON), number=number)
    text = request.GET.get("q", "").strip()[:200]
    articles = readable(request.user).select_related("service")
    category_id = kinds.of(ticket).model.objects.filter(pk=ticket.pk).values_list("category_id", flat=True).first()
    found = list((search.search(articles, text) if text else search.related(
        articles, ticket.title, ticket.service_id, category_id))[:SUGGESTED])
    for article in found:
        article.portal_link = site_link(reverse("portal-article", args=[article.number]))
    return render(request, "knowledge/desk/_ticket_suggestions.html", {
        "found": found, "number": ticket.number, "q": text, "replies": kinds.of(ticket).end_users_see})


def draft_from(ticket: Any) -> dict[str, str]:
    """A new article's text taken from a ticket: its title, its description as the summary, and a body with the
    issue and what solved it (an incident's resolution notes; a problem's root cause and workaround)."""
    issue = (ticket.description or "").strip()
    parts = [f"## The issue\n\n{issue}" if issue else ""]
    if getattr(ticket, "root_cause", ""):
        parts.append(f"## Cause\n\n{ticket.root_cause.strip()}")
    if getattr(ticket, "workaround", ""):
        parts.append(f"## Workaround\n\n{ticket.workaround.strip()}")
    if getattr(ticket, "resolution_notes", ""):
        parts.append(f"## Solution\n\n{ticket.resolution_notes.strip()}")
    return {"title": ticket.title, "description": issue[:1000],
            "body": "\n\n".join(part for part in parts if part)}
