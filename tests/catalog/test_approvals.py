"""Catalog approvals (core.approvals, shared with changes): an item's steps in order (the requester's manager,
an approver group), the item prepared once all approved, a rejection ending the item with its reason told to the
requester, a missing manager or a requester alone in the group skipping the step (journaled), and an end-user
manager deciding from My approvals and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from catalog import services
from catalog.choices import ItemState, RequestState
from catalog.models import CatalogCategory, CatalogItem
from core.models import ApprovalRule, ApprovalState, ApprovalVote, ApproverGroup, JournalEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(org_globex):
    """An end user of another organization (which shares nothing): they see the order only as its approver."""
    return UserFactory(username="boss", role=Role.END_USER, organization=org_globex)


@pytest.fixture
def licences(agent_a, agent_b):
    group = ApproverGroup.objects.create(name="Licence owners")
    group.members.set([agent_a, agent_b])
    return group


@pytest.fixture
def software(service_email, licences):
    category = CatalogCategory.objects.create(name="Software", slug="software")
    item = CatalogItem.objects.create(name="Visio", slug="visio", category=category, short_description="Drawing.",
                                      service=service_email)
    item.approval_steps.create(order=1, approver="manager")
    item.approval_steps.create(order=2, approver="group", group=licences, rule=ApprovalRule.ANY)
    item.plan.create(stage=1, title="Install Visio")
    return item


def vote(item, user):
    return ApprovalVote.objects.filter(approval__ticket_id=item.pk, approver=user).latest("pk")


def test_the_manager_then_the_group_approve_and_the_item_is_prepared(software, requester_a, boss, agent_a):
    requester_a.manager = boss
    requester_a.save()
    order = services.order(software, requester_a, {})
    item = order.items.get()
    assert item.state == ItemState.APPROVAL and not item.tasks.exists()
    from core import approvals

    approvals.decide(vote(item, boss), boss, approve=True, comment="Fine.")
    item.refresh_from_db()
    assert item.state == ItemState.APPROVAL  # the licence owners now
    assert [a.name for a in item.approvals.order_by("pk")] == [f"{requester_a.display_name}'s manager",
                                                               "Licence owners"]
    approvals.decide(vote(item, agent_a), agent_a, approve=True)
    item.refresh_from_db()
    order.refresh_from_db()
    assert (item.state, order.state) == (ItemState.FULFILMENT, RequestState.IN_PROGRESS)
    assert [t.title for t in item.tasks.all()] == ["Install Visio"]


def test_a_rejection_ends_the_item_and_the_requester_reads_why(client, software, requester_a, boss):
    requester_a.manager = boss
    requester_a.save()
    order = services.order(software, requester_a, {})
    item = order.items.get()
    from core import approvals

    approvals.decide(vote(item, boss), boss, approve=False, comment="Use the free viewer.")
    item.refresh_from_db()
    order.refresh_from_db()
    assert (item.state, order.state) == (ItemState.REJECTED, RequestState.CANCELLED)
    assert not item.tasks.exists() and not item.approvals.filter(state=ApprovalState.PENDING).exists()
    client.force_login(requester_a)
    page = client.get(reverse("portal-request", args=[order.number])).content.decode()
    assert "was not approved by" in page and "Use the free viewer." in page and "Not approved" in page


def test_no_manager_skips_the_step_and_nobody_approves_their_own_order(software, requester_a, agent_a, licences):
    order = services.order(software, requester_a, {})  # requester_a has no manager
    item = order.items.get()
    assert JournalEntry.objects.filter(ticket_id=item.pk, internal=True,
                                       body__startswith="Approval step 1 skipped").exists()
    assert item.approvals.get().name == "Licence owners"
    # an agent of the licence owners ordering for themselves: only the other owner is asked
    own = services.order(software, agent_a, {})
    asked = ApprovalVote.objects.filter(approval__ticket__requesteditem__parent_request=own)
    assert [v.approver.username for v in asked] == ["agent_b"]


def test_an_end_user_manager_decides_from_my_approvals_and_the_api(client, token_client, software, requester_a,
                                                                   boss):
    requester_a.manager = boss
    requester_a.save()
    order = services.order(software, requester_a, {})
    item = order.items.get()
    client.force_login(boss)
    assert "1</strong> request waits for your approval" in client.get(reverse("portal-home")).content.decode()
    page = client.get(reverse("agent-approvals")).content.decode()
    assert item.number in page and f"{requester_a.display_name}&#x27;s manager" in page
    assert f'href="/agent/requested-items/{item.number}/"' not in page  # no desk page for an end user
    listed = token_client(boss).get("/api/v1/approvals/?decision=pending").json()["results"]
    assert [row["ticket"]["number"] for row in listed] == [item.number]
    # while asked, the manager reads the item they approve (the access rule: asked to approve)
    assert token_client(boss).get(f"/api/v1/requested-items/{item.number}/").status_code == 200
    decided = token_client(boss).post(f"/api/v1/approvals/{listed[0]['id']}/decision/",
                                      {"decision": "approve", "comment": "OK"}, format="json")
    assert decided.status_code == 200 and decided.json()["approval_state"] == "approved"
    # decided: it is no longer theirs to see (another organization's order)
    assert token_client(boss).get(f"/api/v1/requested-items/{item.number}/").status_code == 404


@pytest.fixture
def eager():
    from itsm.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_manager_approves_by_the_link_of_the_mail_once_and_only_with_a_genuine_link(
        client, software, requester_a, boss, eager, django_capture_on_commit_callbacks, settings):
    import re

    from django.core import mail

    requester_a.manager = boss
    requester_a.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order(software, requester_a, {})
    item = order.items.get()
    [message] = [m for m in mail.outbox if boss.email in m.to]
    link = re.search(r"https?://\S+/approvals/(\S+)/", message.body)
    assert link and "Read the" not in message.body  # no desk page for an end user
    path = f"/approvals/{link.group(1)}/"
    assert client.get(path.replace(link.group(1), link.group(1)[:-3] + "abc")).status_code == 404  # altered
    page = client.get(path)  # nobody signed in
    assert page.status_code == 200 and "Visio" in page.content.decode()
    refused = client.post(path, {"decision": "reject", "comment": " "})
    assert refused.status_code == 400 and "Say why you reject it" in refused.content.decode()
    done = client.post(path, {"decision": "approve", "comment": "Go ahead."}, follow=True)
    assert f"you approved {item.number}" in done.content.decode()
    item.refresh_from_db()
    assert vote(item, boss).decision == "approved" and vote(item, boss).comment == "Go ahead."
    again = client.post(path, {"decision": "reject", "comment": "Changed my mind."})
    assert again.status_code == 200 and "this link has been used" in again.content.decode()
    assert vote(item, boss).decision == "approved"
    settings.APPROVAL_LINK_DAYS = -1  # expired
    assert client.get(path).status_code == 404
