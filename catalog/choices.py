"""The states of requests and requested items."""

from __future__ import annotations

from django.db import models

from core.task_states import TASK_WORKFLOW, TaskState  # noqa: F401  (the tasks' states, shared)
from core.workflow import Workflow


class ItemState(models.TextChoices):
    """A requested item, as its requester reads it."""

    REQUESTED = "requested", "Requested"
    APPROVAL = "approval", "Waiting for approval"
    FULFILMENT = "fulfilment", "Being prepared"
    COMPLETE = "complete", "Delivered"
    REJECTED = "rejected", "Not approved"
    CANCELLED = "cancelled", "Cancelled"


class Approver(models.TextChoices):
    MANAGER = "manager", "The requester's manager"
    GROUP = "group", "An approver group"
    SYSTEM_OWNER = "system_owner", "The system's owner (access items)"


class RequestState(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


ITEM_WORKFLOW = Workflow(
    transitions={
        ItemState.REQUESTED: [ItemState.APPROVAL, ItemState.FULFILMENT, ItemState.COMPLETE, ItemState.CANCELLED],
        ItemState.APPROVAL: [ItemState.FULFILMENT, ItemState.REJECTED, ItemState.CANCELLED],
        ItemState.FULFILMENT: [ItemState.COMPLETE, ItemState.REQUESTED, ItemState.CANCELLED],
        ItemState.COMPLETE: [],
        ItemState.REJECTED: [],
        ItemState.CANCELLED: [],
    },
    open_states=frozenset({ItemState.REQUESTED, ItemState.APPROVAL, ItemState.FULFILMENT}),
    labels=dict(ItemState.choices),
    resolved_states=frozenset({ItemState.COMPLETE}),
    cancelled_states=frozenset({ItemState.CANCELLED, ItemState.REJECTED}),
    requester_moves=frozenset({(ItemState.REQUESTED, ItemState.CANCELLED), (ItemState.APPROVAL, ItemState.CANCELLED)}),
    start=ItemState.FULFILMENT,  # taking an item starts preparing it
)

REQUEST_WORKFLOW = Workflow(
    transitions={
        RequestState.OPEN: [RequestState.IN_PROGRESS, RequestState.CLOSED, RequestState.CANCELLED],
        RequestState.IN_PROGRESS: [RequestState.CLOSED, RequestState.CANCELLED, RequestState.OPEN],
        RequestState.CLOSED: [],
        RequestState.CANCELLED: [],
    },
    open_states=frozenset({RequestState.OPEN, RequestState.IN_PROGRESS}),
    labels=dict(RequestState.choices),
    resolved_states=frozenset({RequestState.CLOSED}),
    cancelled_states=frozenset({RequestState.CANCELLED}),
)
