"""Fulfilment plans: the first stage's tasks are raised with the order, the next stage's once every task of the
one before is finished, the item is delivered after the last, and the request follows; the desk works the tasks
from their queue and page, through the API; end users never see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services
from catalog.choices import ItemState, RequestState, TaskState
from catalog.kinds import CATALOG_TASK
from catalog.models import CatalogCategory, CatalogItem, CatalogTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarding(service_email, team_service_desk, team_network):
    """A new joiner: stage 1 the account, stage 2 the laptop and the network port in parallel."""
    category = CatalogCategory.objects.create(name="People", slug="people")
    item = CatalogItem.objects.create(name="New joiner", slug="new-joiner", category=category,
                                      short_description="Everything a new colleague needs.", service=service_email)
    item.plan.create(stage=1, title="Create the account", instructions="In the directory.")
    item.plan.create(stage=2, order=1, title="Prepare the laptop")
    item.plan.create(stage=2, order=2, title="Patch the network port", team=team_network)
    return item


def titles(item) -> list[tuple[str, str]]:
    return [(task.title, task.state) for task in item.tasks.order_by("stage", "ticket_ptr_id")]


def test_the_stages_run_in_order_and_their_tasks_in_parallel(onboarding, requester_a, agent_a, agent_b,
                                                             team_network):
    order = services.order(onboarding, requester_a, {})
    item = order.items.get()
    order.refresh_from_db()
    assert (item.state, order.state) == (ItemState.FULFILMENT, RequestState.IN_PROGRESS)
    assert titles(item) == [("Create the account", TaskState.OPEN)]  # stage 2 waits
    account = item.tasks.get()
    assert account.team == item.team and account.instructions == "In the directory."

    from core import writes

    writes.take(CATALOG_TASK, account, agent_a)
    writes.transition(CATALOG_TASK, account, agent_a, TaskState.DONE, fields={"close_notes": "jdoe created"})
    assert titles(item) == [("Create the account", TaskState.DONE), ("Prepare the laptop", TaskState.OPEN),
                            ("Patch the network port", TaskState.OPEN)]
    laptop, port = item.tasks.filter(stage=2).order_by("ticket_ptr_id")
    assert port.team == team_network
    writes.transition(CATALOG_TASK, laptop, agent_a, TaskState.DONE)
    item.refresh_from_db()
    assert item.state == ItemState.FULFILMENT  # the port is still open
    writes.transition(CATALOG_TASK, port, agent_b, TaskState.DONE)
    item.refresh_from_db()
    order.refresh_from_db()
    assert (item.state, order.state) == (ItemState.COMPLETE, RequestState.CLOSED)


def test_the_desk_works_tasks_from_pages_and_the_api_and_end_users_never_see_them(client, token_client, onboarding,
                                                                                  requester_a, agent_a):
    order = services.order(onboarding, requester_a, {})
    task = CatalogTask.objects.get()
    assert task.number.startswith("TASK")
    client.force_login(agent_a)
    page = client.get(reverse("agent-task", args=[task.number])).content.decode()
    assert "In the directory." in page and order.items.get().number in page
    assert task.number in client.get(reverse("agent-tasks")).content.decode()
    item_page = client.get(reverse("agent-requested-item", args=[order.items.get().number])).content.decode()
    assert task.number in item_page
    api = token_client(agent_a)
    done = api.post(f"/api/v1/tasks/{task.number}/transition/", {"state": "done", "close_notes": "Created."},
                    format="json")
    assert done.status_code == 200 and done.json()["close_notes"] == "Created."
    assert CatalogTask.objects.filter(stage=2).count() == 2
    assert api.post("/api/v1/tasks/", {"title": "x"}, format="json").status_code == 405
    assert token_client(requester_a).get("/api/v1/tasks/").status_code == 403
    client.force_login(requester_a)
    assert client.get(reverse("agent-task", args=[task.number])).status_code in (403, 404)
    assert task.number not in client.get(reverse("portal-request", args=[order.number])).content.decode()
