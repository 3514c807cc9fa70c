"""Problem states and the transition table."""

from __future__ import annotations

from django.db import models

from core.workflow import Workflow


class State(models.TextChoices):
    NEW = "new", "New"
    ASSESSMENT = "assessment", "Assessment"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis", "Root cause analysis"
    FIX_IN_PROGRESS = "fix_in_progress", "Fix in progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATES = frozenset({State.NEW, State.ASSESSMENT, State.ROOT_CAUSE_ANALYSIS, State.FIX_IN_PROGRESS})

WORKFLOW = Workflow(
    transitions={
        State.NEW: [State.ASSESSMENT, State.ROOT_CAUSE_ANALYSIS, State.CANCELLED],
        State.ASSESSMENT: [State.ROOT_CAUSE_ANALYSIS, State.FIX_IN_PROGRESS, State.RESOLVED, State.CANCELLED],
        State.ROOT_CAUSE_ANALYSIS: [State.FIX_IN_PROGRESS, State.RESOLVED, State.CANCELLED],
        State.FIX_IN_PROGRESS: [State.ROOT_CAUSE_ANALYSIS, State.RESOLVED, State.CANCELLED],
        State.RESOLVED: [State.ROOT_CAUSE_ANALYSIS, State.CLOSED],  # reopen (the fix did not hold), or close
        State.CLOSED: [],
        State.CANCELLED: [],
    },
    open_states=OPEN_STATES,
    labels=dict(State.choices),
    resolved_states=frozenset({State.RESOLVED, State.CLOSED}),
    cancelled_states=frozenset({State.CANCELLED}),
    start=State.ASSESSMENT,
)
