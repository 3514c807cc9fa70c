"""The authorisation of changes: which approvers a change needs (its approval policy), and the change manager's
final say.

Fields and states go through the core write path (core.writes with the change kind). A normal or emergency change
(or a standard one whose risk turned out high) moves to `authorize`: the approver group its policy names is asked
(core.approvals: any one, all, a majority, N of them); once it approves, the change manager (or a manager) has the
final say: approving lets it be scheduled, rejecting (with a reason) sends it back to `assess`, as the group's
rejection does. Every request, vote and decision is journaled.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Role, has_role
from changes.choices import ChangeType, Risk, State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy, Change
from core import access, approvals, clock, limits, writes
from core import services as core
from core.models import ApprovalState
from core.services import FieldChange

HIGH_RISKS = frozenset({Risk.HIGH, Risk.VERY_HIGH})


def needs_authorisation(change: Change) -> bool:
    """Normal and emergency changes are authorised; a standard change is pre-approved unless its risk is high."""
    return change.change_type != ChangeType.STANDARD or change.risk in HIGH_RISKS


def policy_for(change: Change) -> ApprovalPolicy | None:
    """The approval policy of the change: of its type and risk, else of its type and any risk. A high-risk change
    whose policy names no group takes the CAB of a normal change of its risk: it is never decided alone."""
    policies = {(policy.change_type, policy.risk): policy for policy in ApprovalPolicy.objects.filter(
        change_type__in={change.change_type, ChangeType.NORMAL}).select_related("group")}
    policy = policies.get((change.change_type, change.risk)) or policies.get((change.change_type, ""))
    if change.risk in HIGH_RISKS and (policy is None or policy.group is None):
        return policies.get((ChangeType.NORMAL, change.risk)) or policies.get((ChangeType.NORMAL, ""))
    return policy


def approval_errors(change: Change) -> list[str]:
    """Why the change's approvers cannot be asked (empty when they can, or none are needed)."""
    policy = policy_for(change)
    if change.risk in HIGH_RISKS and (policy is None or policy.group is None):
        return [f"A {Risk(change.risk).label.lower()}-risk change needs a CAB's approval, and no approval policy "
                "names an approver group for it: ask an administrator (Approval policies)."]
    if policy is None or policy.group is None:
        return []
    return approvals.check_rule(policy.group, policy.rule, policy.required)


def ask_approvers(change: Change, actor: Any) -> bool:
    """Ask the approver group of the change's policy (on entering `authorize`); False when the change manager
    decides alone."""
    policy = policy_for(change)
    if policy is None or policy.group is None:
        return False
    approvals.request(change, policy.group, policy.rule, policy.required, actor)
    return True


def may_decide(user: Any, change: Change) -> bool:
    """The change's manager decides; so may any manager (or admin) of the desk."""
    return (user is not None and change.change_manager_id == user.pk) or has_role(user, Role.MANAGER)


@transaction.atomic
def decide(change: Change | int, actor: Any, *, approve: bool, comment: str = "",
           expected_version: int | None = None) -> Change:
    """The final say on a change waiting in `authorize`: an approval (once its approver group has approved) lets
    it be scheduled; a rejection (any time, with a reason) returns it to `assess` and withdraws what the approvers
    had not decided. The decision and its comment are journaled (work notes)."""
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
    pending = approvals.current(locked)
    if approve and pending is not None and pending.state == ApprovalState.PENDING:
        raise ValidationError({"decision": [
            f"{pending.name} has not approved {locked.number} yet ({approvals.progress(pending)}): the "
            "change manager's final say comes after theirs."]})
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


@transaction.atomic
def raise_change(actor: Any, data: dict[str, Any], template: Any = None) -> Change:
    """Raise a change, with the tasks of the standard change template it starts from (if any)."""
    change: Change = writes.create(CHANGE, actor, data)
    if template is not None:
        add_template_tasks(change, template, actor)
    return change


def add_task(change: Change, actor: Any, data: dict[str, Any]) -> Any:
    """Add a task to an open change (the change's team unless the task names one; the next place in order)."""
    from changes.task_kind import CHANGE_TASK

    return writes.create(CHANGE_TASK, actor, {**data, "parent_change": change})


def add_template_tasks(change: Change, template: Any, actor: Any) -> list[Any]:
    """The tasks a standard change template carries, added to a change raised from it."""
    return [add_task(change, actor, {"title": task.title, "task_type": task.task_type, "team": task.team,
                                     "order": task.order or index + 1})
            for index, task in enumerate(template.tasks.all())]


def cancel_tasks(change: Change, actor: Any) -> int:
    """Cancel the open tasks of a change that is cancelled (in its transaction); returns how many."""
    from changes.choices import TaskState
    from changes.task_kind import CHANGE_TASK

    open_tasks = list(change.tasks.filter(active=True))
    for task in open_tasks:
        writes.move(CHANGE_TASK, writes.lock(CHANGE_TASK, task), actor, TaskState.CANCELLED,
                    {"close_notes": f"{change.number} was cancelled."})
    return len(open_tasks)


@transaction.atomic
def add_to_release(release: Any, change: Change, actor: Any) -> None:
    """Put a change in an open release (taking it out of another one). Journaled on both."""
    from changes.release_kind import RELEASE, check_open

    locked_release = writes.lock(RELEASE, release)
    check_open(locked_release)
    locked = writes.lock(CHANGE, change)
    if locked.shipped_in_id == locked_release.pk:
        raise ValidationError({"change": [f"{locked.number} is already in {locked_release.number}."]})
    if not locked.active and locked.state != State.CLOSED:
        raise ValidationError({"change": [f"{locked.number} is {locked.get_state_display().lower()}: a release "
                                          "ships no cancelled change."]})
    previous = locked.shipped_in
    locked.shipped_in = locked_release
    core.commit(locked, actor, [FieldChange("shipped_in", previous.number if previous else "", locked_release.number,
                                            old_ticket=previous, new_ticket=locked_release, internal=True)])
    core.commit(locked_release, actor, [FieldChange("changes", "", locked.number, new_ticket=locked,
                                                    internal=True)])


@transaction.atomic
def remove_from_release(release: Any, change: Change, actor: Any) -> None:
    """Take a change out of an open release. Journaled on both."""
    from changes.release_kind import RELEASE, check_open

    locked_release = writes.lock(RELEASE, release)
    check_open(locked_release)
    locked = writes.lock(CHANGE, change)
    if locked.shipped_in_id != locked_release.pk:
        raise ValidationError({"change": [f"{locked.number} is not in {locked_release.number}."]})
    locked.shipped_in = None
    core.commit(locked, actor, [FieldChange("shipped_in", locked_release.number, "", old_ticket=locked_release,
                                            internal=True)])
    core.commit(locked_release, actor, [FieldChange("changes", locked.number, "", old_ticket=locked,
                                                    internal=True)])


@transaction.atomic
def set_other_services(change: Change, actor: Any, services: Any) -> Change:
    """The services the change also affects (besides its own), journaled; its impact rises to what the most
    critical of them says (changes.kind.IMPACT_OF_CRITICALITY)."""
    from changes.kind import IMPACT_OF_CRITICALITY

    locked: Change = writes.lock(CHANGE, change)
    access.require(actor, "edit", locked, "You may not change this change.")
    wanted = {service.pk: service for service in services if service.pk != locked.service_id}
    retired = [service.name for service in wanted.values() if not service.active]
    if retired:
        raise ValidationError({"other_services": [f"Retired: {', '.join(retired)}."]})
    before = {service.pk: service for service in locked.other_services.all()}
    if set(before) == set(wanted):
        return locked
    locked.other_services.set(list(wanted.values()))
    names = lambda rows: ", ".join(sorted(service.name for service in rows.values()))  # noqa: E731
    changes = [FieldChange("other_services", names(before), names(wanted), internal=True)]
    floor = min((IMPACT_OF_CRITICALITY.get(service.criticality, 3) for service in wanted.values()), default=3)
    if floor < locked.impact:
        from core.models import compute_priority

        changes.append(writes.field_change(CHANGE, "impact", locked.impact, floor))
        locked.impact = floor
        priority = compute_priority(locked.impact, locked.urgency)
        if priority != locked.priority:
            changes.append(writes.field_change(CHANGE, "priority", locked.priority, priority))
            locked.priority = priority
    core.commit(locked, actor, changes)
    return locked
