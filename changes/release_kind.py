"""The release kind (RLS...): changes shipped together under a version, from planning through build, test and
deployment to done, on the shared ticket core. A release is done only once each of its changes is closed
successfully (successful, or successful with issues); its actual deployment is stamped then. The desk only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from accounts.roles import Role, has_role
from changes.choices import RELEASE_WORKFLOW, Outcome, ReleaseState, State
from core import clock
from core.kinds import Kind
from core.models import Ticket, TicketKind

SUCCESSFUL = frozenset({Outcome.SUCCESSFUL, Outcome.WITH_ISSUES})


class ReleaseKind(Kind):
    key = TicketKind.RELEASE
    prefix = "RLS"
    model_label = "changes.Release"
    label = "Release"
    label_plural = "Releases"
    workflow = RELEASE_WORKFLOW
    agent_url_name = "agent-release"
    queue_url_name = "agent-releases"
    choice_fields = {"state": ReleaseState.choices}
    end_users_see = False
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    agent_fields = frozenset({"title", "description", "team", "assignee", "state", "release_version",
                              "planned_deployment", "actual_deployment", "release_notes", "impact", "urgency",
                              "service"})
    internal_fields = agent_fields | {"priority", "changes"}

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """Only the service desk works on releases."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def transition_errors(self, ticket: Any, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        """Done: every change of the release closed successfully (and at least one)."""
        if target != ReleaseState.DONE:
            return {}
        changes = list(ticket.changes.values_list("number", "state", "outcome"))
        if not changes:
            return {"changes": ["A release ships changes: add them before it is done."]}
        pending = [number for number, state, outcome in changes if state != State.CLOSED or outcome not in SUCCESSFUL]
        if pending:
            return {"changes": [f"Each change is closed successfully before the release is done: not yet "
                                f"{', '.join(pending)}."]}
        return {}

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        if target == ReleaseState.DONE and ticket.actual_deployment is None:
            return {"actual_deployment": clock.now()}
        return {}


RELEASE = ReleaseKind()


def check_open(release: Any) -> None:
    """Changes join or leave a release only while it is open."""
    if not release.active:
        raise ValidationError({"release": [f"{release.number} is {release.get_state_display().lower()}: its "
                                           "changes are settled."]})
