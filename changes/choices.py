"""Change states, types, risks and outcomes, and the transition table."""

from __future__ import annotations

from django.db import models

from core.task_states import TASK_WORKFLOW, TaskState  # noqa: F401  (the tasks' states, shared)
from core.workflow import Workflow


class State(models.TextChoices):
    """The states of the issue's workflow, named as people say them ("CHG0001001 is now in assessment")."""

    NEW = "new", "New"
    ASSESS = "assess", "In assessment"
    AUTHORIZE = "authorize", "Awaiting authorisation"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENT = "implement", "In implementation"
    REVIEW = "review", "In review"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard (pre-approved)"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class Outcome(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    WITH_ISSUES = "successful_with_issues", "Successful with issues"
    FAILED = "failed", "Failed"
    BACKED_OUT = "backed_out", "Backed out"


OPEN_STATES = frozenset({State.NEW, State.ASSESS, State.AUTHORIZE, State.SCHEDULED, State.IMPLEMENT, State.REVIEW})

WORKFLOW = Workflow(
    transitions={
        State.NEW: [State.ASSESS, State.SCHEDULED, State.CANCELLED],  # scheduled: a standard change
        State.ASSESS: [State.AUTHORIZE, State.SCHEDULED, State.CANCELLED],
        State.AUTHORIZE: [State.SCHEDULED, State.ASSESS, State.CANCELLED],  # assess: rejected, or to re-plan
        State.SCHEDULED: [State.IMPLEMENT, State.ASSESS, State.CANCELLED],
        State.IMPLEMENT: [State.REVIEW],
        State.REVIEW: [State.CLOSED],
        State.CLOSED: [],
        State.CANCELLED: [],
    },
    open_states=OPEN_STATES,
    labels=dict(State.choices),
    resolved_states=frozenset({State.CLOSED}),
    cancelled_states=frozenset({State.CANCELLED}),
    # no start state: taking a change assigns it; it moves to assess once it is planned
)


class TaskType(models.TextChoices):
    IMPLEMENTATION = "implementation", "Implementation"
    TESTING = "testing", "Testing"
    REVIEW = "review", "Post-implementation review"
    OTHER = "other", "Other"


class ReleaseState(models.TextChoices):
    PLANNING = "planning", "Planning"
    BUILD = "build", "Build"
    TEST = "test", "Test"
    DEPLOY = "deploy", "Deploy"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


RELEASE_OPEN_STATES = frozenset({ReleaseState.PLANNING, ReleaseState.BUILD, ReleaseState.TEST, ReleaseState.DEPLOY})

RELEASE_WORKFLOW = Workflow(
    transitions={
        ReleaseState.PLANNING: [ReleaseState.BUILD, ReleaseState.CANCELLED],
        ReleaseState.BUILD: [ReleaseState.TEST, ReleaseState.PLANNING, ReleaseState.CANCELLED],
        ReleaseState.TEST: [ReleaseState.DEPLOY, ReleaseState.BUILD, ReleaseState.CANCELLED],
        ReleaseState.DEPLOY: [ReleaseState.DONE, ReleaseState.TEST, ReleaseState.CANCELLED],
        ReleaseState.DONE: [],
        ReleaseState.CANCELLED: [],
    },
    open_states=RELEASE_OPEN_STATES,
    labels=dict(ReleaseState.choices),
    resolved_states=frozenset({ReleaseState.DONE}),
    cancelled_states=frozenset({ReleaseState.CANCELLED}),
)
