"""The incident kind as the core sees it: workflow, pages, and the hooks SLA escalations and home pages use."""

from __future__ import annotations

from typing import Any

from accounts.roles import can
from core.kinds import Kind
from core.models import Ticket, TicketKind
from incidents.choices import WORKFLOW, Channel, HoldReason, ResolutionCode, State


class IncidentKind(Kind):
    key = TicketKind.INCIDENT
    prefix = "INC"
    model_label = "incidents.Incident"
    label = "Incident"
    label_plural = "Incidents"
    workflow = WORKFLOW
    agent_url_name = "agent-incident"
    queue_url_name = "agent-incidents"
    portal_url_name = "portal-incident"
    choice_fields = {
        "state": State.choices, "hold_reason": HoldReason.choices, "resolution_code": ResolutionCode.choices,
        "channel": Channel.choices,
    }

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        if action == "flag_major":
            return user is None or can(user, "incidents.flag_major")
        return None

    def add_comment(self, ticket: Ticket, actor: Any, body: str, *, internal: bool = False) -> Any:
        from incidents import services

        return services.add_comment(ticket, actor, body, internal=internal)

    def escalate(self, ticket: Ticket, action: str, escalation_team: Any = None) -> str:
        """Raise the priority one step, flag the incident major, or hand it to the escalation team, as the
        system (journaled like any change)."""
        from incidents import services
        from incidents.models import Incident

        incident = Incident.objects.filter(pk=ticket.pk).first()
        if incident is None:
            return "skipped: the incident no longer exists"
        if not incident.active:
            return "skipped: the incident is no longer open"
        if action == "raise_priority":
            if incident.urgency > 1:
                changes: dict[str, Any] = {"urgency": incident.urgency - 1}
            elif incident.impact > 1:
                changes = {"impact": incident.impact - 1}
            else:
                return "already at the highest priority"
            services.update_incident(incident.pk, None, changes)
            field, value = next(iter(changes.items()))
            return f"raised: {field} is now {value}"
        if action == "flag_major":
            if incident.major:
                return "already major"
            services.update_incident(incident.pk, None, {"major": True})
            return "flagged major"
        if action == "reassign":
            if escalation_team is None:
                return "skipped: no escalation team on the definition"
            if incident.team_id == escalation_team.pk:
                return "already with the escalation team"
            services.update_incident(incident.pk, None, {"team": escalation_team, "assignee": None})
            return f"reassigned to {escalation_team.name}"
        return super().escalate(ticket, action, escalation_team)

    def queue_summaries(self, user: Any) -> list[dict[str, Any]]:
        from incidents.views.agent_queue import queue_summaries

        return queue_summaries(user)

    def portal_recent(self, user: Any, limit: int) -> list[Any]:
        from incidents.views.portal import portal_incidents, with_status_text

        recent = portal_incidents(user).select_related("requester").order_by("-updated_at", "-id")[:limit]
        return list(with_status_text(recent))


INCIDENT = IncidentKind()
