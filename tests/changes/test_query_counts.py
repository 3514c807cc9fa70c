"""The pages of this practice cost the same number of queries whatever they show: My approvals, the change
calendar (month and week), and the portal's catalog and My requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import CatalogCategory, CatalogItem
from changes.choices import ChangeType, State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy
from core import writes
from core.models import ApprovalRule, ApproverGroup

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
PLANS = {"implementation_plan": "Swap.", "backout_plan": "Back.", "test_plan": "Test."}


def queries(client, url: str) -> int:
    client.get(url)  # warm: kept reference rows, the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_my_approvals_costs_the_same_for_one_or_many(client, agent_a, agent_b, manager):
    cab = ApproverGroup.objects.create(name="CAB")
    cab.members.set([agent_b, manager])
    ApprovalPolicy.objects.create(change_type=ChangeType.NORMAL, group=cab, rule=ApprovalRule.ALL)

    def ask(n: int) -> None:
        for i in range(n):
            change = writes.create(CHANGE, agent_a, {"title": f"Change {i}", "change_manager": manager, **PLANS})
            writes.transition(CHANGE, change, agent_a, State.ASSESS)
            writes.transition(CHANGE, change, agent_a, State.AUTHORIZE)

    client.force_login(agent_b)
    ask(1)
    few = queries(client, reverse("agent-approvals"))
    ask(6)
    assert queries(client, reverse("agent-approvals")) == few


def test_the_calendar_costs_the_same_for_one_or_many_changes(client, agent_a, service_email):
    def schedule(n: int) -> None:
        for i in range(n):
            start = datetime(2027, 3, 8 + i % 6, 20 + i % 3, tzinfo=PARIS)  # in the week of the 10th
            change = writes.create(CHANGE, agent_a, {"title": f"Patch {i}", "change_type": ChangeType.STANDARD,
                                                     "planned_start": start, "service": service_email,
                                                     "planned_end": start + timedelta(hours=2), **PLANS})
            writes.transition(CHANGE, change, agent_a, State.SCHEDULED)

    client.force_login(agent_a)
    schedule(1)
    month, week = reverse("agent-change-calendar") + "?date=2027-03-10", (
        reverse("agent-change-calendar") + "?date=2027-03-10&view=week")
    few = queries(client, month), queries(client, week)
    schedule(8)
    assert (queries(client, month), queries(client, week)) == few


def test_the_portal_catalog_and_my_requests_cost_the_same_for_few_or_many(client, requester_a, service_email):
    category = CatalogCategory.objects.create(name="Hardware", slug="hardware")

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            item = CatalogItem.objects.create(name=f"Item {i}", slug=f"item-{i}", category=category,
                                              short_description="x", service=service_email)
            catalog_services.order(item, requester_a, {})

    client.force_login(requester_a)
    add(1, 0)
    few = queries(client, reverse("portal-catalog")), queries(client, reverse("portal-requests"))
    add(6, 1)
    assert (queries(client, reverse("portal-catalog")), queries(client, reverse("portal-requests"))) == few
