"""E-mails for SLA warnings and breaches: to the assignee, the team lead or the managers."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import User
from accounts.roles import Role
from core.notifications import send_once
from sla.models import Action, SlaEvent


def recipients(event: SlaEvent, action: str) -> list[str]:
    ticket = event.timer.ticket
    if action == Action.NOTIFY_ASSIGNEE:
        people = [ticket.assignee] if ticket.assignee_id else []
        if not people and ticket.team_id and ticket.team.email:
            return [ticket.team.email]
    elif action == Action.NOTIFY_TEAM_LEAD:
        people = [ticket.team.lead] if ticket.team_id and ticket.team.lead_id else []
    elif action == Action.NOTIFY_MANAGERS:
        people = list(User.objects.filter(role=Role.MANAGER, is_active=True))
    else:
        return []
    return sorted({p.email for p in people if p is not None and p.email and p.is_active})


def send(event_id: int, action: str) -> int:
    event = SlaEvent.objects.select_related(
        "timer__definition", "timer__ticket__assignee", "timer__ticket__team__lead"
    ).filter(pk=event_id).first()
    if event is None:
        return 0
    context = {"event": event, "timer": event.timer, "ticket": event.timer.ticket,
               "site_url": settings.SITE_URL.rstrip("/")}
    subject = render_to_string("sla/email/subject.txt", context).strip().replace("\n", " ")
    body = render_to_string("sla/email/event.txt", context)
    return send_once(f"sla:{event.pk}:{action}", recipients(event, action), subject, body)
