"""What every kind of task shares (a change's task, a requested item's fulfilment task): the task states
(core.task_states), the desk only, close notes taken when it is done or cancelled. A practice subclasses
`TaskKind` with its key, model, pages and what follows a finished task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.roles import Role, has_role
from core.kinds import Kind
from core.models import Ticket
from core.task_states import TASK_WORKFLOW, TaskState


class TaskKind(Kind):
    workflow = TASK_WORKFLOW
    choice_fields = {"state": TaskState.choices}
    end_users_see = False  # a requester reads the progress of what they asked for, not the desk's tasks
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    transition_fields = frozenset({"close_notes"})

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """Only the service desk works on tasks."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A task done or cancelled keeps its close notes (what was done)."""
        notes = str(fields.get("close_notes") or "").strip()
        return {"close_notes": notes} if notes and target in (TaskState.DONE, TaskState.CANCELLED) else {}
