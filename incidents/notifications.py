"""Who hears of what on an incident, and the e-mails they get (rendered from templates/incidents/email/).

- requester (and watchers): assignment, state change, public comment from the desk;
- assignee, or the team's mailbox when unassigned: a reply from the requester.
Work notes never produce an e-mail to anyone outside the desk.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from core.models import JournalEntry
from core.notifications import send_once
from incidents.models import Incident

EVENTS = {"assigned", "state", "comment", "reply"}


def recipients(event: str, incident: Incident) -> list[str]:
    if event == "reply":
        if incident.assignee_id and incident.assignee.email:
            return [incident.assignee.email]
        return [incident.team.email] if incident.team_id and incident.team.email else []
    people = [incident.requester, *incident.watchers.filter(role="end_user")]
    return sorted({p.email for p in people if p.email and p.is_active})


def send(event: str, incident_id: int, entry_id: int | None, key: str) -> int:
    """Send the e-mails of one event. Returns how many were sent now (0 when all were sent before)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    incident = (
        Incident.objects.select_related("requester", "assignee", "team").filter(pk=incident_id).first()
    )
    if incident is None:
        return 0
    entry = JournalEntry.objects.filter(pk=entry_id, internal=False).first() if entry_id else None
    if entry_id and entry is None:
        return 0  # a work note or a deleted entry: nothing goes out
    context = {"incident": incident, "entry": entry, "event": event, "site_url": settings.SITE_URL.rstrip("/")}
    subject = render_to_string("incidents/email/subject.txt", context).strip().replace("\n", " ")
    body = render_to_string(f"incidents/email/{event}.txt", context)
    return send_once(key, recipients(event, incident), subject, body)
