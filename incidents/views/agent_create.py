"""The agent's "New incident" page: log a ticket on behalf of a caller (what the API's create allows agents).

The write goes through `incidents.services.create_incident`, like the API and the portal; the page then lands
on the new ticket. End users cannot open it (they report their own issues in the portal).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.people import MIN_QUERY
from core.permissions import permission_required
from core.ticket_forms import add_service_errors
from incidents import services
from incidents.forms_create import CALLER_TARGET, AgentCreateIncidentForm


@permission_required("tickets.work")
def create(request: HttpRequest) -> HttpResponse:
    """Show the form; "Find" (no JavaScript) shows the callers found; "Create" creates and opens the ticket."""
    if request.method != "POST":
        form = AgentCreateIncidentForm(actor=request.user)
        return render(request, "agent/incident_create.html", _context(form))
    searching = "find_caller" in request.POST
    form = AgentCreateIncidentForm(request.POST, request.FILES, actor=request.user, searching=searching)
    if searching:
        return render(request, "agent/incident_create.html", _context(form))
    if form.is_valid():
        try:
            incident = services.create_incident(
                request.user, form.service_data(), channel=form.cleaned_data["channel"],
                uploads=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{incident.number} was created for {incident.requester.display_name}.")
            return redirect("agent-incident", number=incident.number)
    return render(request, "agent/incident_create.html", _context(form), status=400)


def _context(form: AgentCreateIncidentForm) -> dict:
    return {"form": form, "people": form.people(), "caller_target": CALLER_TARGET, "min_query": MIN_QUERY,
            "query": form.data.get("q", "") if form.is_bound else ""}
