"""The change task kind (CTASK...): one ordered step of a change (implementation, testing, post-implementation
review) with its own team, assignee and state, on the shared ticket core (journal, access rule, SLA, pages, API).

A task is added to an open change (from its page, through the API, or from its standard change template); the
change cannot close while a task is open, and cancelling the change cancels its open tasks. The desk only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from changes.choices import TaskState, TaskType
from core.models import TicketKind
from core.task_kind import TaskKind


class ChangeTaskKind(TaskKind):
    key = TicketKind.CHANGE_TASK
    prefix = "CTASK"
    model_label = "changes.ChangeTask"
    label = "Change task"
    label_plural = "Change tasks"
    agent_url_name = "agent-change-task"
    queue_url_name = "agent-change-tasks"
    choice_fields = {"state": TaskState.choices, "task_type": TaskType.choices}
    agent_fields = frozenset({"title", "description", "team", "assignee", "state", "task_type", "order",
                              "impact", "urgency", "service", "parent_change"})
    internal_fields = agent_fields | {"priority", "close_notes"}

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


CHANGE_TASK = ChangeTaskKind()
