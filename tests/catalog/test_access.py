"""Access management: an access item's form (level, until when) and its limits; the system's owner approving; the
task granting it; the access register following the item; a revoke request; expiry raising the revoke request
exactly once (twice swept, or swept concurrently)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from catalog import grants, services
from catalog.choices import ItemState, RequestState, TaskState
from catalog.kinds import CATALOG_TASK
from catalog.models import AccessGrant, AccessSystem, CatalogItem, GrantState, ItemType
from core import approvals, writes
from core.models import ApprovalVote, ApproverGroup
from tests.catalog.conftest import approve_as, granted, in_days
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_owner_approves_the_team_grants_and_the_register_shows_it(folder_item, requester_a, owner, agent_b):
    order = services.order(folder_item, requester_a, {"access_level": "Read and write", "access_until": in_days(30)})
    item = order.items.get()
    grant = AccessGrant.objects.get(requested_item=item)
    assert (item.state, grant.state, grant.level) == (ItemState.APPROVAL, GrantState.REQUESTED, "Read and write")
    assert [a.name for a in item.approvals.all()] == ["the owner of Finance share"]

    approve_as(item, owner)
    item.refresh_from_db()
    task = item.tasks.get()
    assert item.state == ItemState.FULFILMENT
    assert task.title == f"Grant Read and write access to Finance share for {requester_a.display_name}"
    assert task.team.name == "Network" and "until" in task.instructions

    writes.transition(CATALOG_TASK, task, agent_b, TaskState.DONE, fields={"close_notes": "Added to the group."})
    grant.refresh_from_db()
    item.refresh_from_db()
    order.refresh_from_db()
    assert (item.state, order.state) == (ItemState.COMPLETE, RequestState.CLOSED)
    assert (grant.state, grant.granted_by, grant.until) == (GrantState.ACTIVE, agent_b,
                                                            timezone.localdate() + timedelta(days=30))


def test_an_owner_group_decides_and_a_rejection_leaves_no_access(folder_item, finance_share, requester_a, agent_a,
                                                                 agent_b):
    group = ApproverGroup.objects.create(name="Finance owners")
    group.members.set([agent_a, agent_b])
    finance_share.owner_group = group
    finance_share.save()
    item = services.order(folder_item, requester_a, {"access_level": "Read", "access_until": in_days(5)}).items.get()
    assert [a.name for a in item.approvals.all()] == ["Finance owners"]
    for member in (agent_a, agent_b):  # "any one" approves: it takes both to reject
        vote = ApprovalVote.objects.filter(approval__ticket_id=item.pk, approver=member).get()
        approvals.decide(vote, member, approve=False, comment="Not in finance.")
    item.refresh_from_db()
    assert item.state == ItemState.REJECTED
    assert AccessGrant.objects.get(requested_item=item).state == GrantState.CANCELLED
    assert not item.tasks.exists()


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({"access_level": "Admin", "access_until": "2099-01-01"}, "access_level", "Choose one of: Read, Read and write."),
    ({"access_level": "Read"}, "access_until", "This field is required."),
    ({"access_level": "Read", "access_until": "2020-01-01"}, "access_until", "Choose today or a later day."),
    ({"access_level": "Read", "access_until": "2099-01-01"}, "access_until", "Finance share grants at most 90 days"),
])
def test_bad_access_orders_are_refused_by_field(folder_item, requester_a, answers, field, message):
    with pytest.raises(ValidationError) as caught:
        services.order(folder_item, requester_a, answers)
    assert message in caught.value.message_dict[field][0]
    assert not AccessGrant.objects.exists()


def test_access_one_has_or_asked_for_is_not_ordered_twice(folder_item, requester_a):
    services.order(folder_item, requester_a, {"access_level": "Read", "access_until": in_days(10)})
    with pytest.raises(ValidationError) as caught:
        services.order(folder_item, requester_a, {"access_level": "Read", "access_until": in_days(20)})
    assert "already has asked for this access" in caught.value.message_dict["access_level"][0]


def test_a_higher_level_supersedes_the_lower(folder_item, requester_a, owner, agent_b):
    read = granted(folder_item, requester_a, owner, agent_b, level="Read")
    write = granted(folder_item, requester_a, owner, agent_b, level="Read and write")
    read.refresh_from_db()
    assert (read.state, write.state) == (GrantState.REVOKED, GrantState.ACTIVE)
    assert list(grants.revocable(requester_a)) == [write]


def test_a_revoke_order_revokes_the_access_once_its_task_is_done(folder_item, requester_a, owner, agent_b):
    grant = granted(folder_item, requester_a, owner, agent_b)
    revoke = grants.revoke_item()
    assert [v.choice_list() for v in grants.built_in(revoke, requester_a)] == [[grants.grant_label(grant)]]
    order = services.order(revoke, requester_a, {"access_to_revoke": grants.grant_label(grant)})
    item = order.items.get()
    task = item.tasks.get()
    assert item.state == ItemState.FULFILMENT  # no approval to give up one's own access
    assert task.title == f"Revoke Read access to Finance share for {requester_a.display_name}"
    grant.refresh_from_db()
    assert grant.state == GrantState.ACTIVE and grant.revoke_item == item
    assert list(grants.revocable(requester_a)) == []  # not offered twice

    writes.transition(CATALOG_TASK, task, agent_b, TaskState.DONE, fields={"close_notes": "Removed."})
    grant.refresh_from_db()
    assert (grant.state, grant.revoked_by) == (GrantState.REVOKED, agent_b)


def test_a_cancelled_revoke_leaves_the_access_revocable(folder_item, requester_a, owner, agent_b):
    grant = granted(folder_item, requester_a, owner, agent_b)
    order = grants.request_revoke(grant, agent_b, "Left the finance team.")
    item = order.items.get()
    writes.transition(access_kind(), item, agent_b, ItemState.CANCELLED)
    grant.refresh_from_db()
    assert grant.state == GrantState.ACTIVE and grant.revoke_item is None


def access_kind():
    from catalog.kinds import REQUESTED_ITEM

    return REQUESTED_ITEM


def test_expiry_raises_the_revoke_request_exactly_once(folder_item, requester_a, owner, agent_b):
    grant = granted(folder_item, requester_a, owner, agent_b, days=3)
    other = granted(folder_item, UserFactory(role=Role.END_USER, organization=requester_a.organization), owner,
                    agent_b, days=60)
    assert grants.revoke_expired() == 0  # not yet
    later = timezone.localdate() + timedelta(days=4)
    assert grants.revoke_expired(today=later) == 1
    assert grants.revoke_expired(today=later) == 0
    grant.refresh_from_db()
    other.refresh_from_db()
    revoke = grant.revoke_item
    assert revoke is not None and other.revoke_item is None and grant.expiry_raised_at is not None
    assert revoke.requester == requester_a and revoke.parent_request.opened_by is None
    assert "it expired: the last day was" in revoke.description
    assert revoke.tasks.count() == 1 and revoke.tasks.get().team.name == "Network"

    writes.transition(access_kind(), revoke, agent_b, ItemState.CANCELLED)  # the desk cancels it: not raised again
    assert grants.revoke_expired(today=later + timedelta(days=1)) == 0


def test_an_expiry_while_the_holder_already_gives_it_up_raises_nothing_more(folder_item, requester_a, owner, agent_b):
    grant = granted(folder_item, requester_a, owner, agent_b, days=1)
    grants.request_revoke(grant, requester_a, "No longer needed.")
    assert grants.revoke_expired(today=timezone.localdate() + timedelta(days=2)) == 0
    assert CatalogItem.objects.filter(item_type=ItemType.REVOKE_ACCESS).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_raise_one_revoke_request(team_network, org_acme):
    owner = UserFactory(role=Role.END_USER, organization=org_acme)
    holder = UserFactory(role=Role.END_USER, organization=org_acme)
    system = AccessSystem.objects.create(name="Payroll", owner=owner, team=team_network)
    grant = AccessGrant.objects.create(person=holder, system=system, level="Read", state=GrantState.ACTIVE,
                                       until=timezone.localdate() - timedelta(days=1))
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            barrier.wait()
            counts.append(grants.revoke_expired())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grant.refresh_from_db()
    assert sorted(counts) == [0, 1]
    assert grant.revoke_item is not None and grant.revoke_item.tasks.count() == 1


def test_a_leaver_s_expired_access_is_revoked_and_one_failure_stops_no_other(folder_item, requester_a, owner,
                                                                             agent_b, monkeypatch):
    leaver = granted(folder_item, requester_a, owner, agent_b, days=1)
    other = granted(folder_item, UserFactory(role=Role.END_USER, organization=requester_a.organization), owner,
                    agent_b, days=1)
    requester_a.is_active = False  # left the company
    requester_a.save()
    real = grants.request_revoke

    def failing(grant, actor, reason):
        if grant.pk == other.pk:
            raise ValidationError({"access": ["The team is gone."]})
        return real(grant, actor, reason)

    monkeypatch.setattr(grants, "request_revoke", failing)
    later = timezone.localdate() + timedelta(days=2)
    assert grants.revoke_expired(today=later) == 1
    leaver.refresh_from_db()
    other.refresh_from_db()
    assert leaver.revoke_item.requester == requester_a and leaver.revoke_item.tasks.count() == 1
    assert other.revoke_item is None and other.expiry_raised_at is None  # tried again at the next sweep
    monkeypatch.setattr(grants, "request_revoke", real)
    assert grants.revoke_expired(today=later) == 1


def test_the_desk_revokes_a_leaver_s_access(folder_item, requester_a, owner, agent_b):
    grant = granted(folder_item, requester_a, owner, agent_b)
    requester_a.is_active = False
    requester_a.save()
    order = grants.request_revoke(grant, agent_b, "Left on Friday.")
    assert order.requester == requester_a and order.opened_by == agent_b
