"""The states of a task of any practice (a change's task, a requested item's fulfilment task): open, in progress,
done or cancelled; taking a task starts it."""

from __future__ import annotations

from django.db import models

from core.workflow import Workflow


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


TASK_WORKFLOW = Workflow(
    transitions={
        TaskState.OPEN: [TaskState.IN_PROGRESS, TaskState.DONE, TaskState.CANCELLED],
        TaskState.IN_PROGRESS: [TaskState.DONE, TaskState.OPEN, TaskState.CANCELLED],
        TaskState.DONE: [],
        TaskState.CANCELLED: [],
    },
    open_states=frozenset({TaskState.OPEN, TaskState.IN_PROGRESS}),
    labels=dict(TaskState.choices),
    resolved_states=frozenset({TaskState.DONE}),
    cancelled_states=frozenset({TaskState.CANCELLED}),
    start=TaskState.IN_PROGRESS,  # taking a task starts it
)

# What the buttons of a task's page say, per target state.
TASK_ACTION_LABELS: dict[str, str] = {TaskState.IN_PROGRESS: "Start", TaskState.DONE: "Done",
                                      TaskState.CANCELLED: "Cancel task", TaskState.OPEN: "Back to open"}
