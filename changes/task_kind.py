"""The change task kind (CTASK...): one ordered step of a change (implementation, testing, post-implementation
review) with its own team, assignee and state, on the shared ticket core (journal, access rule, SLA, pages, API).

A task is added to an open change (from its page, through the API, or from its standard change template); the
change cannot close while a task is open, and cancelling the change cancels its open tasks. The desk only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from accounts.roles import Role, has_role
from changes.choices import TASK_WORKFLOW, TaskState, TaskType
from core.kinds import Kind
from core.models import Ticket, TicketKind


class ChangeTaskKind(Kind):
    key = TicketKind.CHANGE_TASK
    prefix = "CTASK"
    model_label = "changes.ChangeTask"
    label = "Change task"
    label_plural = "Change tasks"
    workflow = TASK_WORKFLOW
    agent_url_name = "agent-change-task"
    queue_url_name = "agent-change-tasks"
    choice_fields = {"state": TaskState.choices, "task_type": TaskType.choices}
    end_users_see = False
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    agent_fields = frozenset({"title", "description", "team", "assignee", "state", "task_type", "order",
                              "impact", "urgency", "service", "parent_change"})
    transition_fields = frozenset({"close_notes"})
    internal_fields = agent_fields | {"priority", "close_notes"}

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """Only the service desk works on change tasks."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def clean(self, ticket: Any, actor: Any, data: dict[str, Any]) -> None:
        """A task belongs to an open change, for good."""
        if ticket is None:
            if data.get("parent_change") is None:
                raise ValidationError({"change": ["Say which change the task belongs to."]})
            # locked, as closing the change locks it: a task cannot slip in while the change closes
            change = type(data["parent_change"]).objects.select_for_update(of=("self",)).get(
                pk=data["parent_change"].pk)
            if not change.active:
                raise ValidationError({"change": [f"{change.number} is {change.get_state_display().lower()}: "
                                                  "it takes no new task."]})
        elif "parent_change" in data and data["parent_change"] != ticket.parent_change:
            raise ValidationError({"change": ["A task stays with its change."]})

    def route_team(self, data: Mapping[str, Any]) -> Any:
        """A task without a team goes to its change's."""
        return data["parent_change"].team

    def create_defaults(self, actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """The change's service unless the task names its own; the next place in the change's order."""
        change = data["parent_change"]
        defaults: dict[str, Any] = {"service": change.service}
        if "order" not in data:
            last = change.tasks.order_by("-order").values_list("order", flat=True).first()
            defaults["order"] = (last or 0) + 1
        return defaults

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        if target in (TaskState.DONE, TaskState.CANCELLED) and str(fields.get("close_notes") or "").strip():
            return {"close_notes": fields["close_notes"]}
        return {}


CHANGE_TASK = ChangeTaskKind()
