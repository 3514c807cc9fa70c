"""Configuration items on tickets' pages: an incident, a problem or a change names the CIs it affects, and its page
shows them with what is at risk (the services the CIs and everything depending on them support), what changed on
them in the last 7 days and, for an incident, the workarounds of the known errors recorded on the same CIs. The
panel loads after the page (htmx: impact is a graph walk per CI); adding and removing a CI are journaled on both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import can
from cmdb import impact, services
from cmdb.forms import AffectForm, find_ci
from cmdb.models import CIChange, ConfigurationItem
from core import clock, kinds
from core.models import Ticket, TicketKind
from core.permissions import permission_required

ON = frozenset({TicketKind.INCIDENT, TicketKind.PROBLEM, TicketKind.CHANGE})
WALKED = 5  # the CIs whose impact the panel walks


def side_panels(ticket: Ticket, user: Any) -> list[dict[str, Any]]:
    """The panel's shell (no query: its content comes after the page)."""
    if ticket.kind not in ON or not can(user, "cmdb.read"):
        return []
    return [{"template": "cmdb/_ticket_panel.html", "number": ticket.number}]


def visible_ticket(request: HttpRequest, number: str) -> Ticket:
    return get_object_or_404(Ticket.objects.visible_to(request.user).filter(kind__in=ON), number=number)


def panel_context(ticket: Ticket, user: Any, form: AffectForm | None = None) -> dict[str, Any]:
    """The CIs the ticket affects; the services at risk (of the first WALKED CIs and what depends on them) and the
    other open incidents on those services or CIs that `user` may see; what changed on the CIs in the last 7 days;
    for an incident, the workarounds of known errors on the same CIs."""
    cis = list(ConfigurationItem.objects.filter(tickets__ticket_id=ticket.pk).select_related("ci_class")
               .order_by("name"))
    at_risk: list[str] = []
    service_ids: set[int] = set()
    affected = 0
    for ci in cis[:WALKED]:
        found = impact.affected(ci)
        affected += found.count
        at_risk += found.at_risk()
        service_ids |= {service.pk for service in found.services()}
    related: list[Any] = []
    if cis:
        from django.db.models import Q

        from incidents.models import Incident

        related = list(Incident.objects.visible_to(user).filter(active=True)
                       .filter(Q(service_id__in=service_ids) | Q(affected_cis__ci__in=cis)).exclude(pk=ticket.pk)
                       .distinct().only("number", "title", "state", "opened_at").order_by("-opened_at")[:5])
    recent: list[CIChange] = []
    if cis:
        since = clock.now() - timedelta(days=services.RECENT_DAYS)
        recent = list(CIChange.objects.filter(ci__in=cis, created_at__gte=since).exclude(field="ticket")
                      .select_related("actor", "ci__ci_class").order_by("-created_at")[:8])
        for ci_class in {line.ci.ci_class for line in recent}:
            services.labelled([line for line in recent if line.ci.ci_class == ci_class], ci_class)
    workarounds: list[Any] = []
    if ticket.kind == TicketKind.INCIDENT and cis:
        from problems.models import Problem

        workarounds = list(Problem.objects.filter(active=True, known_error=True, affected_cis__ci__in=cis)
                           .exclude(workaround="").distinct().only("number", "title", "workaround")[:3])
    return {"ticket": ticket, "cis": cis, "affected_count": affected, "at_risk": impact.unique_names(at_risk),
            "related_incidents": related,
            "recent": recent, "workarounds": workarounds, "form": form or AffectForm()}


@permission_required("cmdb.read")
def ticket_cis(request: HttpRequest, number: str) -> HttpResponse:
    """The panel's content (htmx)."""
    return render(request, "cmdb/_ticket_cis.html", panel_context(visible_ticket(request, number), request.user))


@require_POST
@permission_required("cmdb.edit")
def add(request: HttpRequest, number: str) -> HttpResponse:
    """Name a CI the ticket affects."""
    ticket = visible_ticket(request, number)
    form = AffectForm(request.POST)
    if form.is_valid():
        try:
            ci = find_ci(form.cleaned_data["ci"], "ci")
        except ValidationError as exc:
            for text in exc.message_dict.get("ci", exc.messages):
                form.add_error("ci", text)
        else:
            services.affect(ticket, ci, request.user)
            messages.success(request, f"{ticket.number} affects {ci.name}.")
            return redirect(kinds.agent_url_of(ticket) + "#configuration-items")
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(kinds.agent_url_of(ticket) + "#configuration-items")


@require_POST
@permission_required("cmdb.edit")
def remove(request: HttpRequest, number: str, ci_id: int) -> HttpResponse:
    ticket = visible_ticket(request, number)
    ci = get_object_or_404(ConfigurationItem, pk=ci_id)
    services.unaffect(ticket, ci, request.user)
    messages.success(request, f"{ci.name} removed from {ticket.number}.")
    return redirect(kinds.agent_url_of(ticket) + "#configuration-items")


def urls() -> list[Any]:
    from django.urls import path

    return [path("agent/cmdb/tickets/<str:number>/", ticket_cis, name="agent-ticket-cis"),
            path("agent/cmdb/tickets/<str:number>/add/", add, name="agent-ticket-ci-add"),
            path("agent/cmdb/tickets/<str:number>/<int:ci_id>/remove/", remove, name="agent-ticket-ci-remove")]

