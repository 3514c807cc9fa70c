"""The writes on changes that are not plain field or state changes: the authorisation decision.

Fields and states go through the core write path (core.writes with the change kind). A normal or emergency change
waits in `authorize` for its decision: the change manager (or a manager) approves it, which lets it be scheduled,
or rejects it with a reason, which sends it back to `assess`. Every decision is journaled with its comment.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Role, has_role
from changes.choices import State
from changes.kind import CHANGE
from changes.models import Change
from core import clock, limits, writes
from core import services as core
from core.services import FieldChange


def may_decide(user: Any, change: Change) -> bool:
    """The change's manager decides; so may any manager (or admin) of the desk."""
    return (user is not None and change.change_manager_id == user.pk) or has_role(user, Role.MANAGER)


@transaction.atomic
def decide(change: Change | int, actor: Any, *, approve: bool, comment: str = "",
           expected_version: int | None = None) -> Change:
    """Approve or reject a change waiting in `authorize`. A rejection needs a reason and returns the change to
    `assess`; an approval lets it be scheduled. The decision and its comment are journaled (work notes)."""
    locked: Change = writes.lock(CHANGE, change)
    core.check_version(locked, expected_version)
    if not may_decide(actor, locked):
        raise PermissionDenied("Only the change manager (or a manager) decides on this change.")
    if locked.state != State.AUTHORIZE:
        raise ValidationError({"decision": [
            f"{locked.number} is {locked.get_state_display().lower()}: only a change waiting for authorisation "
            "can be approved or rejected."]})
    if not approve and not comment.strip():
        raise ValidationError({"comment": ["Say why the change is rejected: the change owner reads it."]})
    limits.check_texts({"comment": comment})
    if approve:
        now = clock.now()
        locked.authorized_at, locked.authorized_by = now, actor
        core.commit(locked, actor, [FieldChange("authorization", "", f"approved by {actor.display_name}",
                                                internal=True)], at=now)
    else:
        writes.move(CHANGE, locked, actor, State.ASSESS)
    if comment.strip():
        core.add_comment(locked, actor, f"{'Approved' if approve else 'Rejected'}: {comment.strip()}", internal=True)
    CHANGE.notify("approved" if approve else "rejected", locked, actor)
    return locked
