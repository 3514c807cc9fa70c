"""Authorising changes with approver groups (core.approvals): the policy of the change's type and risk asks a
group, its rule decides, then the change manager has the final say; a rejection sends the change back to
assessment; a high-risk change always needs a group; approvers see what they decide; reminders; and two approvers
deciding at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from changes import services
from changes.choices import ChangeType, Risk, State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy, Change
from core import approvals, clock, writes
from core.models import (
    Approval,
    ApprovalRule,
    ApprovalState,
    ApprovalVote,
    ApproverGroup,
    JournalEntry,
    Ticket,
    VoteDecision,
)
from core.workflow import TransitionError
from tests.factories import UserFactory

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


@pytest.fixture
def eager():
    from itsm.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def cab_members(agent_b):
    return [agent_b, UserFactory(username="cab2", role=Role.AGENT), UserFactory(username="cab3", role=Role.AGENT)]


@pytest.fixture
def cab(cab_members):
    group = ApproverGroup.objects.create(name="Change Advisory Board")
    group.members.set(cab_members)
    return group


def policy(group, rule=ApprovalRule.ANY, required=1, change_type=ChangeType.NORMAL, risk="") -> ApprovalPolicy:
    return ApprovalPolicy.objects.create(change_type=change_type, risk=risk, group=group, rule=rule,
                                         required=required)


def to_authorize(actor, manager, **fields) -> Change:
    change = writes.create(CHANGE, actor, {"title": "Replace the core switch", "change_manager": manager, **PLANS,
                                           **fields})
    writes.transition(CHANGE, change, actor, State.ASSESS)
    writes.transition(CHANGE, change, actor, State.AUTHORIZE)
    change.refresh_from_db()
    return change


def vote_of(change, user) -> ApprovalVote:
    """The user's vote on the change's latest approval."""
    return ApprovalVote.objects.filter(approval__ticket_id=change.pk, approver=user).latest("pk")


@pytest.mark.django_db
def test_the_cab_approves_then_the_change_manager_has_the_final_say(agent_a, manager, cab, cab_members, eager,
                                                                      django_capture_on_commit_callbacks):
    policy(cab, ApprovalRule.N_OF_M, required=2)
    first, second, third = cab_members
    assert not Ticket.objects.visible_to(first).filter(number__isnull=False, kind="change").exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change = to_authorize(agent_a, manager)
    asked = sorted(address for message in mail.outbox for address in message.to)
    assert asked == sorted(member.email for member in cab_members)
    assert "needs your approval" in mail.outbox[0].body and "2 of 3 approvers" in mail.outbox[0].body
    # a CAB member outside the change's team sees what they decide on (from their next request: a new user object)
    assert Change.objects.visible_to(User.objects.get(pk=first.pk)).filter(pk=change.pk).exists()
    assert approvals.waiting_for(first).get().approval.ticket_id == change.pk

    with pytest.raises(ValidationError) as too_early:
        services.decide(change, manager, approve=True)
    assert "has not approved" in str(too_early.value)
    approvals.decide(vote_of(change, first), first, approve=True, comment="Fine at night.")
    assert Approval.objects.get(ticket=change).state == ApprovalState.PENDING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval = approvals.decide(vote_of(change, third), third, approve=True)
    assert approval.state == ApprovalState.APPROVED
    assert [message.to for message in mail.outbox] == [[manager.email]]  # the final say is the manager's now
    with pytest.raises(ValidationError) as settled:
        approvals.decide(vote_of(change, second), second, approve=True)
    assert "no longer needed" in str(settled.value)
    assert [item["ticket"].number for item in CHANGE.awaiting_decision(manager)] == [change.number]

    services.decide(change, manager, approve=True)
    change.refresh_from_db()
    assert change.authorized_by == manager
    journal = list(JournalEntry.objects.filter(ticket_id=change.pk, field="approval")
                   .values_list("new_value", flat=True))
    assert journal == ["asked of Change Advisory Board (2 of 3 approvers)",
                       f"approved by {first.display_name} (Change Advisory Board: 1 of 2 approvals)",
                       f"approved by {third.display_name} (Change Advisory Board: 2 of 2 approvals)",
                       "approved by Change Advisory Board"]
    assert JournalEntry.objects.filter(ticket_id=change.pk, kind="work_note", body="Approved: Fine at night.",
                                       internal=True).exists()


@pytest.mark.django_db
def test_one_rejection_under_all_sends_the_change_back_to_assessment_with_its_reason(agent_a, manager, cab,
                                                                                    cab_members):
    policy(cab, ApprovalRule.ALL)
    change = to_authorize(agent_a, manager)
    with pytest.raises(ValidationError) as no_reason:
        approvals.decide(vote_of(change, cab_members[0]), cab_members[0], approve=False)
    assert "comment" in no_reason.value.message_dict
    approval = approvals.decide(vote_of(change, cab_members[0]), cab_members[0], approve=False,
                                comment="No backout for the firmware.")
    change.refresh_from_db()
    assert (approval.state, change.state) == (ApprovalState.REJECTED, State.ASSESS)
    assert JournalEntry.objects.filter(ticket_id=change.pk, body="Rejected: No backout for the firmware.").exists()
    assert not approvals.waiting_for(cab_members[1]).exists()  # nothing left to decide
    # asked again: a new approval, the rejected one stays as history
    writes.transition(CHANGE, change, agent_a, State.AUTHORIZE)
    assert list(Approval.objects.filter(ticket=change).values_list("state", flat=True)) == [
        ApprovalState.REJECTED, ApprovalState.PENDING]


@pytest.mark.django_db
def test_the_change_manager_may_reject_at_once_which_withdraws_the_pending_approval(agent_a, manager, cab):
    policy(cab)
    change = to_authorize(agent_a, manager)
    services.decide(change, manager, approve=False, comment="Not this quarter.")
    change.refresh_from_db()
    assert change.state == State.ASSESS
    assert Approval.objects.get(ticket=change).state == ApprovalState.CANCELLED
    assert JournalEntry.objects.filter(ticket_id=change.pk, field="approval",
                                       new_value="withdrawn from Change Advisory Board").exists()


@pytest.mark.django_db
def test_a_high_risk_change_always_needs_a_group_even_a_standard_one(agent_a, manager, cab):
    ApprovalPolicy.objects.create(change_type=ChangeType.NORMAL, risk="", group=None)  # the manager decides alone
    alone = to_authorize(agent_a, manager)
    assert not Approval.objects.filter(ticket=alone).exists()

    risky = writes.create(CHANGE, agent_a, {"title": "Migrate the ERP database", "change_manager": manager,
                                            "risk": Risk.HIGH, **PLANS})
    writes.transition(CHANGE, risky, agent_a, State.ASSESS)
    with pytest.raises(TransitionError) as refused:
        writes.transition(CHANGE, risky, agent_a, State.AUTHORIZE)
    assert "high-risk change needs a CAB" in str(refused.value.field_errors["authorization"])
    policy(cab, risk=Risk.HIGH)
    writes.transition(CHANGE, risky, agent_a, State.AUTHORIZE)
    assert Approval.objects.get(ticket=risky).group == cab

    standard = writes.create(CHANGE, agent_a, {"title": "Patch the web servers", "change_manager": manager,
                                               "change_type": ChangeType.STANDARD, "risk": Risk.HIGH, **PLANS})
    start = clock.now() + timedelta(days=3)
    writes.update(CHANGE, standard, agent_a, {"planned_start": start, "planned_end": start + timedelta(hours=1)})
    with pytest.raises(TransitionError) as unauthorised:
        writes.transition(CHANGE, standard, agent_a, State.SCHEDULED)
    assert "authorization" in unauthorised.value.field_errors
    writes.transition(CHANGE, standard, agent_a, State.ASSESS)
    writes.transition(CHANGE, standard, agent_a, State.AUTHORIZE)
    assert Approval.objects.get(ticket=standard).group == cab


@pytest.mark.django_db
def test_a_group_without_enough_members_is_refused_before_the_change_moves(agent_a, manager, cab):
    policy(cab, ApprovalRule.N_OF_M, required=5)
    change = writes.create(CHANGE, agent_a, {"title": "Replace the core switch", "change_manager": manager, **PLANS})
    writes.transition(CHANGE, change, agent_a, State.ASSESS)
    with pytest.raises(TransitionError) as refused:
        writes.transition(CHANGE, change, agent_a, State.AUTHORIZE)
    assert "5 approvals cannot be given" in str(refused.value.field_errors["authorization"])
    change.refresh_from_db()
    assert change.state == State.ASSESS


@pytest.mark.django_db
def test_only_the_approver_asked_decides_their_vote(agent_a, manager, cab, cab_members):
    policy(cab)
    change = to_authorize(agent_a, manager)
    with pytest.raises(PermissionDenied):
        approvals.decide(vote_of(change, cab_members[0]), cab_members[1], approve=True)
    with pytest.raises(PermissionDenied):
        approvals.decide(vote_of(change, cab_members[0]), manager, approve=True)


@pytest.mark.django_db
def test_approvers_who_have_not_decided_are_reminded_once_a_day(agent_a, manager, cab, cab_members, eager,
                                                              django_capture_on_commit_callbacks, settings):
    policy(cab, ApprovalRule.ALL)
    change = to_authorize(agent_a, manager)
    approvals.decide(vote_of(change, cab_members[0]), cab_members[0], approve=True)
    assert approvals.remind_pending() == 0  # just asked
    later = clock.now() + timedelta(hours=settings.APPROVAL_REMINDER_HOURS, minutes=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert approvals.remind_pending(later) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in cab_members[1:])
    assert all("still waits for your decision" in m.body for m in mail.outbox)
    assert approvals.remind_pending(later + timedelta(hours=1)) == 0  # not again within the day
    assert approvals.remind_pending(later + timedelta(hours=settings.APPROVAL_REMINDER_HOURS)) == 2


def decide_at_once(votes_and_users, approve=True):
    """Each approver decides in their own thread and connection, released together."""
    barrier = threading.Barrier(len(votes_and_users))
    results: list = [None] * len(votes_and_users)

    def worker(index, vote_id, user):
        try:
            barrier.wait(timeout=30)
            results[index] = approvals.decide(vote_id, user, approve=approve).state
        except ValidationError as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, vote, user)) for i, (vote, user) in enumerate(votes_and_users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rule", [ApprovalRule.ANY, ApprovalRule.ALL])
def test_approvers_deciding_at_once_yield_one_outcome(rule, agent_a, manager, cab, cab_members):
    policy(cab, rule)
    change = to_authorize(agent_a, manager)
    votes = [(vote_of(change, user).pk, user) for user in cab_members]
    results = decide_at_once(votes)
    approval = Approval.objects.get(ticket=change)
    assert approval.state == ApprovalState.APPROVED
    outcomes = JournalEntry.objects.filter(ticket_id=change.pk, field="approval",
                                           new_value="approved by Change Advisory Board")
    assert outcomes.count() == 1
    cast = ApprovalVote.objects.filter(approval=approval, decision=VoteDecision.APPROVED).count()
    if rule == ApprovalRule.ANY:  # the first settles it; the others are told it is no longer needed
        assert cast == 1 and sum(isinstance(r, ValidationError) for r in results) == 2
    else:  # every vote counts
        assert cast == 3 and results.count(ApprovalState.APPROVED) == 1
