"""Incident states, the transition table, and the other choice lists of an incident."""

from __future__ import annotations

from django.db import models

from core.workflow import Workflow


class State(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class HoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", "Awaiting caller"
    AWAITING_CHANGE = "awaiting_change", "Awaiting change"
    AWAITING_PROBLEM = "awaiting_problem", "Awaiting problem"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", "Solved (permanently)"
    WORKAROUND = "workaround", "Solved (workaround)"
    USER_ERROR = "user_error", "User error / how-to"
    NOT_REPRODUCIBLE = "not_reproducible", "Not reproducible"
    DUPLICATE = "duplicate", "Duplicate"
    RESOLVED_BY_PARENT = "resolved_by_parent", "Resolved by parent incident"
    SOLVED_BY_PROBLEM = "solved_by_problem", "Solved by problem"


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    API = "api", "API"
    MONITORING = "monitoring", "Monitoring"


OPEN_STATES = frozenset({State.NEW, State.IN_PROGRESS, State.ON_HOLD})

# What an end user may do to their own incident: reopen or confirm a resolution, withdraw a new one.
REQUESTER_TRANSITIONS = {
    (State.RESOLVED, State.IN_PROGRESS),
    (State.RESOLVED, State.CLOSED),
    (State.NEW, State.CANCELLED),
}

WORKFLOW = Workflow(
    transitions={
        State.NEW: [State.IN_PROGRESS, State.ON_HOLD, State.RESOLVED, State.CANCELLED],
        State.IN_PROGRESS: [State.ON_HOLD, State.RESOLVED, State.CANCELLED],
        State.ON_HOLD: [State.IN_PROGRESS, State.RESOLVED, State.CANCELLED],
        State.RESOLVED: [State.IN_PROGRESS, State.CLOSED],  # reopen, or confirm / auto-close
        State.CLOSED: [],
        State.CANCELLED: [],
    },
    open_states=OPEN_STATES,
    labels=dict(State.choices),
    resolved_states=frozenset({State.RESOLVED, State.CLOSED}),
    cancelled_states=frozenset({State.CANCELLED}),
    requester_moves=frozenset(REQUESTER_TRANSITIONS),
    start=State.IN_PROGRESS,
)

# Plain-words urgency for the portal.
URGENCY_PLAIN = [
    (3, "It's an inconvenience: I can keep working"),
    (2, "It slows me down a lot"),
    (1, "I can't work at all"),
]
