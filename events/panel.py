"""An incident raised by monitoring shows its alert on its page: what fires, where, how many times since when, its
status (flapping too), and the way to its events in the console. One indexed query on incidents, none on other
tickets."""

from __future__ import annotations

from typing import Any

from accounts.roles import can
from core.models import Ticket, TicketKind


def side_panels(ticket: Ticket, user: Any) -> list[dict[str, Any]]:
    """The alerts (at most 3, newest first) whose incident this is, for the desk."""
    if ticket.kind != TicketKind.INCIDENT or not can(user, "tickets.work"):
        return []
    from events.models import Alert

    alerts = list(Alert.objects.filter(incident_id=ticket.pk).select_related("ci").order_by("-last_seen")[:3])
    if not alerts:
        return []
    return [{"template": "events/_incident_alerts.html", "alerts": alerts, "top": True}]
