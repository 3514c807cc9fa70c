"""The approval rules as numbers (core.approvals.outcome): every rule, every mix of votes (property-based), and the
cases people ask about (a tie under a majority, one rejection under "all")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.approvals import describe, needed, outcome
from core.models import ApprovalRule, ApprovalState, VoteDecision

A, R, P = VoteDecision.APPROVED, VoteDecision.REJECTED, VoteDecision.PENDING
votes = st.lists(st.sampled_from([A, R, P]), min_size=1, max_size=9)
rules = st.sampled_from(list(ApprovalRule))


@given(rule=rules, required=st.integers(1, 9), decisions=votes)
def test_the_outcome_is_approved_once_enough_approve_and_rejected_once_the_rule_cannot_be_met(
        rule, required, decisions):
    need = needed(rule, required, len(decisions))
    approved, pending = decisions.count(A), decisions.count(P)
    state = outcome(rule, required, decisions)
    assert 1 <= need <= len(decisions)
    assert (state == ApprovalState.APPROVED) == (approved >= need)
    assert (state == ApprovalState.REJECTED) == (approved + pending < need)


@given(rule=rules, required=st.integers(1, 9), decisions=votes, data=st.data())
def test_a_settled_outcome_never_changes_whatever_the_remaining_approvers_decide(rule, required, decisions, data):
    state = outcome(rule, required, decisions)
    later = [data.draw(st.sampled_from([A, R])) if decision == P else decision for decision in decisions]
    if state != ApprovalState.PENDING:
        assert outcome(rule, required, later) == state
    else:  # and a pending one is always settled once everybody has decided
        assert outcome(rule, required, later) != ApprovalState.PENDING


def test_the_rules_people_ask_about():
    assert outcome(ApprovalRule.ANY, 1, [P, P, A]) == ApprovalState.APPROVED
    assert outcome(ApprovalRule.ANY, 1, [R, R, P]) == ApprovalState.PENDING  # one may still approve
    assert outcome(ApprovalRule.ANY, 1, [R, R, R]) == ApprovalState.REJECTED
    assert outcome(ApprovalRule.ALL, 1, [A, A, P]) == ApprovalState.PENDING
    assert outcome(ApprovalRule.ALL, 1, [A, R, P]) == ApprovalState.REJECTED  # one rejection decides
    assert outcome(ApprovalRule.MAJORITY, 1, [A, A, P]) == ApprovalState.APPROVED  # 2 of 3
    assert outcome(ApprovalRule.MAJORITY, 1, [A, A, R, R]) == ApprovalState.REJECTED  # a tie is no majority
    assert outcome(ApprovalRule.N_OF_M, 2, [A, R, P]) == ApprovalState.PENDING
    assert outcome(ApprovalRule.N_OF_M, 2, [A, R, R]) == ApprovalState.REJECTED
    assert outcome(ApprovalRule.N_OF_M, 2, [A, P, A]) == ApprovalState.APPROVED
    assert describe(ApprovalRule.ANY, 1, 3) == "any one of 3 approvers"
    assert describe(ApprovalRule.ALL, 1, 2) == "all 2 approvers"
    assert describe(ApprovalRule.MAJORITY, 1, 4) == "a majority (3 of 4)"
    assert describe(ApprovalRule.N_OF_M, 2, 5) == "2 of 5 approvers"
