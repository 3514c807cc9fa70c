"""The catalog tests' shared fixtures: an access system (a finance share with an owner, a granting team and a
90-day limit), its catalog item, and a grant made the way users make one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from catalog import services
from catalog.choices import TaskState
from catalog.kinds import CATALOG_TASK
from catalog.models import AccessGrant, AccessSystem, CatalogCategory, CatalogItem, ItemType
from core import approvals, writes
from core.models import ApprovalVote
from tests.factories import UserFactory


@pytest.fixture
def owner(org_acme):
    return UserFactory(username="folder-owner", role=Role.END_USER, organization=org_acme)


@pytest.fixture
def finance_share(owner, team_network):
    return AccessSystem.objects.create(name="Finance share", levels="Read\nRead and write", owner=owner,
                                       team=team_network, max_days=90)


@pytest.fixture
def folder_item(finance_share):
    category = CatalogCategory.objects.create(name="Access", slug="access", icon="key")
    return CatalogItem.objects.create(name="Access to the Finance share", slug="finance-share", category=category,
                                      item_type=ItemType.ACCESS, access_system=finance_share,
                                      short_description="The finance team's folder.")


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def approve_as(item, person):
    vote = ApprovalVote.objects.filter(approval__ticket_id=item.pk, approver=person).latest("pk")
    approvals.decide(vote, person, approve=True)


def granted(folder_item, requester, owner, agent, level="Read", days=30) -> AccessGrant:
    order = services.order(folder_item, requester, {"access_level": level, "access_until": in_days(days)})
    item = order.items.get()
    approve_as(item, owner)
    writes.transition(CATALOG_TASK, item.tasks.get(), agent, TaskState.DONE, fields={"close_notes": "Added."})
    return AccessGrant.objects.get(requested_item=item)


