"""What happens when a timer crosses a threshold: notify people, reassign, raise the priority, flag major.

Run by the sweep's escalation step inside a transaction that holds the event row; ticket changes go through
the practice's service functions (as the system: actor None), so they are journaled like any other change.
Notifications are e-mailed after commit by a Celery task.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from core.tasks import enqueue_on_commit
from sla.models import Action, SlaEvent

log = logging.getLogger(__name__)
NOTIFY = {Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM_LEAD, Action.NOTIFY_MANAGERS}


def run_event_actions(event: SlaEvent) -> None:
    """Run every action of the event not done yet, record each outcome, and mark the event done."""
    from incidents.models import Incident

    ticket = event.timer.ticket
    needs_ticket = any(not item.get("done") and item.get("action") not in NOTIFY for item in event.actions or [])
    incident = Incident.objects.filter(pk=ticket.pk).first() if needs_ticket else None
    outcomes = []
    for item in event.actions or []:
        if item.get("done"):
            outcomes.append(item)
            continue
        action = item.get("action")
        try:
            detail = _run(action, event, incident)
            outcomes.append({"action": action, "done": True, "detail": detail})
        except (ValidationError, ValueError) as exc:
            log.warning("SLA action %s on %s failed: %s", action, ticket.number, exc)
            outcomes.append({"action": action, "done": True, "detail": f"failed: {exc}"})
    event.actions = outcomes
    event.actions_done = True
    event.save(update_fields=["actions", "actions_done"])


def _run(action: str, event: SlaEvent, incident) -> str:
    from incidents import services as incident_services

    if action in NOTIFY:
        from sla.tasks import send_sla_notification

        enqueue_on_commit(send_sla_notification, event.pk, action)
        return "notification queued"
    if incident is None:
        return "skipped: not an incident"  # (only non-notify actions get here)
    if not incident.active:
        return "skipped: the incident is no longer open"
    if action == Action.RAISE_PRIORITY:
        if incident.urgency > 1:
            changes = {"urgency": incident.urgency - 1}
        elif incident.impact > 1:
            changes = {"impact": incident.impact - 1}
        else:
            return "already at the highest priority"
        incident_services.update_incident(incident.pk, None, changes)
        return f"raised: {changes}"
    if action == Action.FLAG_MAJOR:
        if incident.major:
            return "already major"
        incident_services.update_incident(incident.pk, None, {"major": True})
        return "flagged major"
    if action == Action.REASSIGN:
        team = event.timer.definition.escalation_team
        if team is None:
            return "skipped: no escalation team on the definition"
        if incident.team_id == team.pk:
            return "already with the escalation team"
        incident_services.update_incident(incident.pk, None, {"team": team, "assignee": None})
        return f"reassigned to {team.name}"
    raise ValueError(f"unknown action {action!r}")
