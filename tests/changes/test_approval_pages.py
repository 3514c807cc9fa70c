"""Approving from the browser and through the API: My approvals, the change page's approval panel, the
/api/v1/approvals/ endpoints, and the change's `approval` in its API detail. Nobody decides, or sees, another
approver's vote."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from changes.choices import State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy
from core import writes
from core.models import ApprovalRule, ApprovalVote, ApproverGroup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


@pytest.fixture
def asked(agent_a, agent_b, manager):
    """A change waiting for a CAB of two (every one must approve): agent_b, outside the change's team, and cab2."""
    cab = ApproverGroup.objects.create(name="CAB")
    second = UserFactory(username="cab2", role=Role.AGENT)
    cab.members.set([agent_b, second])
    ApprovalPolicy.objects.create(change_type="normal", group=cab, rule=ApprovalRule.ALL)
    change = writes.create(CHANGE, agent_a, {"title": "Replace the core switch", "change_manager": manager,
                                             **PLANS})
    for state in (State.ASSESS, State.AUTHORIZE):
        writes.transition(CHANGE, change, agent_a, state)
    return change, agent_b, second


def vote_id(change, user) -> int:
    return ApprovalVote.objects.get(approval__ticket_id=change.pk, approver=user).pk


def test_an_approver_decides_from_my_approvals_and_reads_it_on_the_change_page(client, asked):
    change, approver, second = asked
    client.force_login(approver)
    page = client.get(reverse("agent-approvals")).content.decode()
    assert change.number in page and "Replace the core switch" in page
    assert "all 2 approvers" in page and "0 of 2 approvals" in page
    url = reverse("agent-approval-decision", args=[vote_id(change, approver)])
    prefix = f"vote-{vote_id(change, approver)}"

    refused = client.post(url, {f"{prefix}-decision": "reject", f"{prefix}-comment": "  "})
    assert refused.status_code == 400 and "Say why you reject it" in refused.content.decode()
    done = client.post(url, {f"{prefix}-decision": "approve", f"{prefix}-comment": "Fine at night.",
                             "next": reverse("agent-approvals")}, follow=True)
    text = done.content.decode()
    assert f"You approved {change.number}." in text and "Nothing waits for your approval." in text
    decided = client.get(reverse("agent-approvals") + "?tab=decided").content.decode()
    assert change.number in decided and "Fine at night." in decided and "Waiting for approvers" in decided

    change_page = client.get(reverse("agent-change", args=[change.number])).content.decode()
    assert "1 of 2 approvals" in change_page and "“Fine at night.”" in change_page
    assert 'data-testid="vote-form"' not in change_page  # decided: no buttons left

    client.force_login(second)  # the other approver decides from the change page itself
    change_page = client.get(reverse("agent-change", args=[change.number])).content.decode()
    assert 'data-testid="vote-form"' in change_page
    prefix = f"vote-{vote_id(change, second)}"
    back = client.post(reverse("agent-approval-decision", args=[vote_id(change, second)]),
                       {f"{prefix}-decision": "approve", "next": reverse("agent-change", args=[change.number])},
                       follow=True)
    assert back.redirect_chain[-1][0] == reverse("agent-change", args=[change.number])
    assert "CAB approved it." in back.content.decode()


def test_nobody_decides_or_sees_another_approvers_vote(client, asked, agent_a, manager, requester_a):
    change, approver, _ = asked
    url = reverse("agent-approval-decision", args=[vote_id(change, approver)])
    prefix = f"vote-{vote_id(change, approver)}"
    for other in (agent_a, manager):
        client.force_login(other)
        assert client.post(url, {f"{prefix}-decision": "approve"}).status_code == 404
    client.force_login(requester_a)  # an end user has My approvals too (as someone's manager): not this one
    page = client.get(reverse("agent-approvals")).content.decode()
    assert "Nothing waits for your approval." in page and change.number not in page
    assert ApprovalVote.objects.get(pk=vote_id(change, approver)).decision == "pending"


def test_the_approvals_api(token_client, asked, agent_a, requester_a):
    change, approver, second = asked
    api = token_client(approver)
    listed = api.get("/api/v1/approvals/?decision=pending")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["ticket"] == {"number": change.number, "kind": "change", "title": "Replace the core switch"}
    assert (row["group"], row["rule"], row["progress"], row["decision"]) == ("CAB", "all", "0 of 2 approvals",
                                                                            "pending")
    assert row["rule_text"] == "all 2 approvers"
    assert api.get(f"/api/v1/changes/{change.number}/").status_code == 200  # the approver reads the change

    no_reason = api.post(f"/api/v1/approvals/{row['id']}/decision/", {"decision": "reject"}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    unknown = api.post(f"/api/v1/approvals/{row['id']}/decision/", {"decision": "maybe"}, format="json")
    assert unknown.status_code == 400 and "decision" in unknown.json()
    rejected = api.post(f"/api/v1/approvals/{row['id']}/decision/",
                        {"decision": "reject", "comment": "No backout plan for the firmware."}, format="json")
    assert rejected.status_code == 200, rejected.json()
    assert (rejected.json()["decision"], rejected.json()["approval_state"]) == ("rejected", "rejected")
    again = api.post(f"/api/v1/approvals/{row['id']}/decision/", {"decision": "approve"}, format="json")
    assert again.status_code == 400 and "no longer needed" in str(again.json())

    detail = token_client(agent_a).get(f"/api/v1/changes/{change.number}/").json()
    assert detail["state"] == "assess"
    assert detail["approval"]["state"] == "rejected" and detail["approval"]["group"] == "CAB"
    assert [vote["decision"] for vote in detail["approval"]["votes"]] == ["rejected", "pending"]

    other = token_client(second)
    assert other.get(f"/api/v1/approvals/{row['id']}/").status_code == 404
    assert token_client(agent_a).get(f"/api/v1/approvals/{row['id']}/").status_code == 404
    assert token_client(requester_a).get("/api/v1/approvals/").json()["results"] == []
