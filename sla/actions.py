"""What happens when a timer crosses a threshold: notify people, reassign, raise the priority, flag major.

Run by the sweep's escalation step inside a transaction that holds the event row; ticket changes go through
the ticket kind's `escalate` hook (core.kinds), which calls the practice's service functions as the system
(actor None), so they are journaled like any other change.
Notifications are e-mailed after commit by a Celery task.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from core import kinds
from core.models import Ticket
from core.tasks import enqueue_on_commit
from sla.models import Action, SlaEvent

log = logging.getLogger(__name__)
NOTIFY = {Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM_LEAD, Action.NOTIFY_MANAGERS}
TICKET_ACTIONS = {Action.RAISE_PRIORITY, Action.FLAG_MAJOR, Action.REASSIGN}


def run_event_actions(event: SlaEvent) -> None:
    """Run every action of the event not done yet, record each outcome, and mark the event done."""
    ticket = event.timer.ticket
    outcomes = []
    for item in event.actions or []:
        if item.get("done"):
            outcomes.append(item)
            continue
        action = item.get("action")
        try:
            detail = _run(action, event, ticket)
            outcomes.append({"action": action, "done": True, "detail": detail})
        except (ValidationError, ValueError) as exc:
            log.warning("SLA action %s on %s failed: %s", action, ticket.number, exc)
            outcomes.append({"action": action, "done": True, "detail": f"failed: {exc}"})
    event.actions = outcomes
    event.actions_done = True
    event.save(update_fields=["actions", "actions_done"])


def _run(action: str, event: SlaEvent, ticket: Ticket) -> str:
    if action in NOTIFY:
        from sla.tasks import send_sla_notification

        enqueue_on_commit(send_sla_notification, event.pk, action)
        return "notification queued"
    if action not in TICKET_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    kind = kinds.find(ticket.kind)
    if kind is None:
        return f"skipped: no {ticket.get_kind_display().lower()} kind is installed"
    return kind.escalate(ticket, action, event.timer.definition.escalation_team)
