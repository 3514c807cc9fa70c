"""The heartbeat of an open ticket page (any kind): POST /tickets/<number>/presence/ -> the notice of who else
is viewing or editing the ticket (core.presence), swapped into the page by htmx every 20 seconds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core import presence
from core.models import Ticket
from core.permissions import permission_required


@require_POST
@permission_required("tickets.work")
def heartbeat(request: HttpRequest, number: str) -> HttpResponse:
    """Record this agent on the ticket's page (404 if they may not see it); answer who else is there."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user).only("pk", "number"), number=number)
    if request.POST.get("leaving") == "1":
        presence.leave(ticket.pk, request.user)
        return HttpResponse(status=204)
    others = presence.beat(ticket.pk, request.user, editing=request.POST.get("editing") == "1")
    return render(request, "components/presence.html",
                  {"others": others, "editing": any(viewer.editing for viewer in others)})
