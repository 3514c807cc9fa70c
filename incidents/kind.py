"""The incident kind as the core sees it: workflow, field rules, pages, and the hooks of the core write path
(categories, parent, hold and resolution, assignment rules), SLA escalations and home pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from accounts.roles import Role, can, role_of
from core import writes
from core.kinds import Kind
from core.models import Ticket, TicketKind
from incidents.choices import OPEN_STATES, WORKFLOW, Channel, HoldReason, ResolutionCode, State
from incidents.models import AssignmentRule, Category

AGENT_FIELDS = frozenset({
    "title", "description", "impact", "urgency", "category", "subcategory", "service", "team", "assignee",
    "requester", "channel", "parent", "hold_reason", "resolution_code", "resolution_notes", "state",
})


def _validate_categories(category: Category | None, subcategory: Category | None) -> None:
    errors = {}
    if category is not None and category.parent_id is not None:
        errors["category"] = ["Choose a top-level category here (a subcategory goes in subcategory)."]
    if subcategory is not None and (category is None or subcategory.parent_id != category.pk):
        errors["subcategory"] = ["The subcategory must belong to the chosen category."]
    if errors:
        raise ValidationError(errors)


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
    # End users describe their problem; agents triage and work it; flagging major is for managers.
    end_user_create_fields = frozenset({"title", "description", "urgency", "service", "category", "subcategory"})
    end_user_update_fields = frozenset({"title", "description", "urgency"})
    agent_fields = AGENT_FIELDS
    privileged_fields = frozenset({"major"})
    privileged_permission = "incidents.flag_major"
    # solved_by: the number of the knowledge article that solved it (optional; knowledge.services.record_solution)
    transition_fields = frozenset({"hold_reason", "resolution_code", "resolution_notes", "solved_by"})
    state_needs = {State.ON_HOLD: ("hold_reason",),
                   State.RESOLVED: ("resolution_code", "resolution_notes", "solved_by")}
    # The desk's own assessment and bookkeeping: not in the end users' API and pages, nor in their history.
    end_user_hidden_fields = frozenset({"impact", "channel", "major", "parent"})
    # Field changes that end users do not see in the history (besides the hidden fields').
    internal_fields = frozenset({"priority", "category", "subcategory", "hold_reason"})

    def clean(self, ticket: Any, actor: Any, data: dict[str, Any]) -> None:
        """The subcategory belongs to the category (a category change drops one that no longer fits); an
        incident is not its own parent."""
        if ticket is None:
            _validate_categories(data.get("category"), data.get("subcategory"))
            return
        if "category" in data or "subcategory" in data:
            category = data.get("category", ticket.category)
            subcategory = data.get("subcategory", ticket.subcategory if "category" not in data else None)
            if "category" in data and "subcategory" not in data and ticket.subcategory_id:
                data["subcategory"] = subcategory = (
                    ticket.subcategory if subcategory and subcategory.parent_id == getattr(category, "pk", None)
                    else None
                )
            _validate_categories(category, subcategory)
        if data.get("parent") is not None and data["parent"].pk == ticket.pk:
            raise ValidationError({"parent": ["An incident cannot be its own parent."]})

    def route_team(self, data: Mapping[str, Any]) -> Any:
        """The first active assignment rule that matches the category and service, else the service's team."""
        category, service = data.get("category"), data.get("service")
        for rule in AssignmentRule.objects.filter(active=True).select_related("team"):
            if rule.category_id and (category is None or rule.category_id != category.pk):
                continue
            if rule.service_id and (service is None or rule.service_id != service.pk):
                continue
            return rule.team
        return super().route_team(data)

    def create_defaults(self, actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"channel": Channel.PORTAL if role_of(actor) == Role.END_USER else Channel.PHONE}

    def transition_errors(self, ticket: Any, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if target == State.ON_HOLD and (fields.get("hold_reason") or ticket.hold_reason) not in HoldReason.values:
            errors["hold_reason"] = [
                f"Putting an incident on hold needs a reason: {writes.choice_labels(HoldReason.choices)}."]
        if target == State.RESOLVED:
            if fields.get("resolution_code") not in ResolutionCode.values:
                errors["resolution_code"] = [
                    f"Resolving needs a resolution code: {writes.choice_labels(ResolutionCode.choices)}."]
            if not str(fields.get("resolution_notes") or "").strip():
                errors["resolution_notes"] = ["Resolving needs resolution notes."]
        return errors

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A hold keeps its reason (cleared when work resumes); resolving records the code and notes, reopening
        clears them."""
        changes: dict[str, Any] = {}
        if target == State.ON_HOLD:
            changes["hold_reason"] = fields.get("hold_reason") or ticket.hold_reason
        elif ticket.hold_reason:
            changes["hold_reason"] = ""
        if target == State.RESOLVED:
            changes["resolution_code"] = fields.get("resolution_code", "")
            changes["resolution_notes"] = fields.get("resolution_notes", "")
        if current == State.RESOLVED and target == State.IN_PROGRESS:  # reopened
            changes.update(resolution_code="", resolution_notes="")
        return changes

    def after_transition(self, ticket: Any, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        """Resolving records the article that solved it (if named: one the actor reads, else the whole move is
        refused on `solved_by`), and resolves its open children, each with a comment pointing at the parent."""
        if target != State.RESOLVED:
            return
        number = str(fields.get("solved_by") or "").strip()
        if number:
            from knowledge.services import record_solution

            record_solution(ticket, number, actor)
        notes = str(fields.get("resolution_notes") or "")
        for child_id in ticket.children.filter(active=True).values_list("pk", flat=True):
            child = writes.lock(self, child_id)
            if child.state not in OPEN_STATES:
                continue
            writes.move(
                self, child, actor, State.RESOLVED,
                {"resolution_code": ResolutionCode.RESOLVED_BY_PARENT,
                 "resolution_notes": notes or f"Resolved with parent incident {ticket.number}."},
                system_note=f"Resolved together with its parent incident {ticket.number}.",
            )

    def notify(self, event: str, ticket: Ticket, actor: Any, entry_id: int | None = None) -> None:
        from incidents import notifications

        notifications.notify(event, ticket, actor, entry_id)  # type: ignore[arg-type]

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        if action == "flag_major":
            return user is None or can(user, "incidents.flag_major")
        return None

    def action(self, write: Callable[..., Any]) -> Callable[..., Any]:
        from incidents import notifications

        return notifications.action(write)

    def after_comment(self, ticket: Any, actor: Any, entry: Any) -> None:
        """A requester's reply reopens a resolved incident and takes one awaiting the caller off hold; the other
        side hears of it."""
        if actor is not None and actor.pk == ticket.requester_id:
            if ticket.state == State.RESOLVED:
                writes.move(self, ticket, actor, State.IN_PROGRESS)
            elif ticket.state == State.ON_HOLD and ticket.hold_reason == HoldReason.AWAITING_CALLER:
                writes.move(self, ticket, None, State.IN_PROGRESS)
            self.notify("reply", ticket, actor, entry.pk)
        else:
            self.notify("comment", ticket, actor, entry.pk)

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
        from incidents.views.agent_queue import PAGE

        return PAGE.summaries(user)

    def portal_recent(self, user: Any, limit: int) -> list[Any]:
        from incidents.views.portal import portal_incidents, with_status_text

        recent = portal_incidents(user).select_related("requester").order_by("-updated_at", "-id")[:limit]
        return list(with_status_text(recent))


INCIDENT = IncidentKind()
