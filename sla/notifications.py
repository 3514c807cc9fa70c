"""E-mails for SLA warnings and breaches: to the assignee, the team lead or the managers.

Every notify action of one event shares the key `sla:<event id>`, so a person named by two actions (the
assignee who is also the team lead) gets one e-mail; `core.notifications.recipients` removes duplicates by user
and by normalised address within an action.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core import kinds
from core.notifications import Recipient, recipients, render_for, send_once, site_link, team_audience
from sla.models import Action, SlaEvent


def people(event: SlaEvent, action: str) -> list:
    """The users (or a team mailbox) an action names; the assignee's team when nobody is assigned."""
    ticket = event.timer.ticket
    if action == Action.NOTIFY_ASSIGNEE:
        return [ticket.assignee] if ticket.assignee_id else team_audience(ticket.team)
    if action == Action.NOTIFY_TEAM_LEAD:
        return [ticket.team.lead] if ticket.team_id and ticket.team.lead_id else []
    if action == Action.NOTIFY_MANAGERS:
        return list(User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk"))
    return []


def event_key(event: SlaEvent) -> str:
    return f"sla:{event.pk}"


def compose(event: SlaEvent, recipient: Recipient) -> tuple[str, str]:
    """The subject and body of an SLA e-mail, dates in the recipient's time zone."""
    ticket = event.timer.ticket
    definition = event.timer.definition
    stage = "BREACHED" if event.kind == "breach" else f"warning {event.threshold}%"
    subject = f"[{ticket.number}] SLA {stage}: {definition.name} - {ticket.title}"
    context = {
        "event": event, "timer": event.timer, "ticket": ticket, "state": kinds.state_label_of(ticket),
        "link": site_link(kinds.agent_url_of(ticket) or reverse("agent-home")),
    }
    return subject, render_for(recipient, "sla/email/event.txt", context)


def send(event_id: int, action: str) -> int:
    """Send the e-mails of one notify action of an SLA event; an address already mailed for this event (by
    another action, or an earlier delivery of this task) is skipped. Returns how many were sent now."""
    event = SlaEvent.objects.select_related(
        "timer__definition", "timer__ticket__assignee", "timer__ticket__team__lead", "timer__ticket__requester",
    ).filter(pk=event_id).first()
    if event is None:
        return 0
    return send_once(event_key(event), recipients(people(event, action)), lambda r: compose(event, r))
