"""Change tasks (CTASK...): added to a change from its page, through the API or from its standard change template,
worked on their own page, and a change cannot close while one is open; cancelling the change cancels them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from changes import services
from changes.choices import ChangeType, Outcome, State, TaskState, TaskType
from changes.kind import CHANGE
from changes.models import StandardChangeTemplate
from changes.task_kind import CHANGE_TASK
from core import writes
from core.workflow import TransitionError

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


@pytest.fixture
def implemented(agent_a, manager, team_service_desk):
    """A standard change in implementation (no authorisation needed)."""
    from datetime import timedelta

    from core import clock

    start = clock.now() + timedelta(days=1)
    change = writes.create(CHANGE, agent_a, {"title": "Patch the web servers", "change_type": ChangeType.STANDARD,
                                             "team": team_service_desk, "planned_start": start,
                                             "planned_end": start + timedelta(hours=1), **PLANS})
    writes.transition(CHANGE, change, agent_a, State.SCHEDULED)
    writes.transition(CHANGE, change, agent_a, State.IMPLEMENT)
    change.refresh_from_db()
    return change


def test_a_change_closes_only_once_its_tasks_are_done_or_cancelled(implemented, agent_a, team_network):
    first = services.add_task(implemented, agent_a, {"title": "Patch web-01"})
    second = services.add_task(implemented, agent_a, {"title": "Run the smoke tests", "task_type": TaskType.TESTING,
                                                      "team": team_network})
    assert (first.number[:5], first.order, second.order) == ("CTASK", 1, 2)
    assert (first.team, second.team) == (implemented.team, team_network)  # the change's group unless named
    writes.transition(CHANGE, implemented, agent_a, State.REVIEW, fields={"outcome": Outcome.SUCCESSFUL})
    with pytest.raises(TransitionError) as refused:
        writes.transition(CHANGE, implemented, agent_a, State.CLOSED, fields={"close_notes": "Patched."})
    assert refused.value.field_errors["tasks"] == [
        f"Finish or cancel its open tasks first: {first.number}, {second.number}."]
    writes.take(CHANGE_TASK, first, agent_a)
    first.refresh_from_db()
    assert first.state == TaskState.IN_PROGRESS
    writes.transition(CHANGE_TASK, first, agent_a, TaskState.DONE, fields={"close_notes": "web-01 patched."})
    writes.transition(CHANGE_TASK, second, agent_a, TaskState.CANCELLED)
    writes.transition(CHANGE, implemented, agent_a, State.CLOSED, fields={"close_notes": "Patched."})
    with pytest.raises(ValidationError) as closed:
        services.add_task(implemented, agent_a, {"title": "One more"})
    assert "takes no new task" in str(closed.value)


def test_cancelling_a_change_cancels_its_open_tasks(agent_a, manager):
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP"})
    task = services.add_task(change, agent_a, {"title": "Export the data"})
    writes.transition(CHANGE, change, agent_a, State.CANCELLED)
    task.refresh_from_db()
    assert (task.state, task.close_notes) == (TaskState.CANCELLED, f"{change.number} was cancelled.")


def test_a_standard_change_template_carries_its_tasks(client, agent_a, team_network):
    template = StandardChangeTemplate.objects.create(name="Web patching", title="Patch the web servers", **PLANS)
    template.tasks.create(order=1, title="Patch web-01")
    template.tasks.create(order=2, title="Smoke tests", task_type=TaskType.TESTING, team=team_network)
    client.force_login(agent_a)
    created = client.post(reverse("agent-change-new") + f"?template={template.pk}",
                          {**template.change_data(), "service": "", "impact": 3, "urgency": 3}, follow=True)
    assert created.status_code == 200
    change = CHANGE.model.objects.get(title="Patch the web servers")
    assert [(t.title, t.task_type, t.team) for t in change.tasks.order_by("order")] == [
        ("Patch web-01", TaskType.IMPLEMENTATION, change.team), ("Smoke tests", TaskType.TESTING, team_network)]
    page = created.content.decode()
    assert "Patch web-01" in page and "Smoke tests" in page


def test_tasks_on_the_change_page_and_their_own_page(client, agent_a, requester_a):
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP"})
    client.force_login(agent_a)
    url = reverse("agent-change", args=[change.number])
    assert "No task yet" in client.get(url).content.decode()
    empty = client.post(reverse("agent-change-task-add", args=[change.number]), {"task_type": "testing"})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    added = client.post(reverse("agent-change-task-add", args=[change.number]),
                        {"title": "Export the data", "task_type": "implementation"}, follow=True)
    task = change.tasks.get()
    assert f"{task.number} added to {change.number}." in added.content.decode()
    task_page = client.get(reverse("agent-change-task", args=[task.number])).content.decode()
    assert change.number in task_page and "Export the data" in task_page and "task 1 of its plan" in task_page
    queue = client.get(reverse("agent-change-tasks")).content.decode()
    assert task.number in queue and change.number in queue
    client.force_login(requester_a)
    assert client.get(reverse("agent-change-task", args=[task.number])).status_code in (403, 404)


def test_the_change_task_api(token_client, agent_a, agent_b, requester_a):
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP"})
    api = token_client(agent_a)
    unknown = api.post("/api/v1/change-tasks/", {"change": "CHG9999999", "title": "x"}, format="json")
    assert unknown.status_code == 400 and "change" in unknown.json()
    hidden = token_client(agent_b).post("/api/v1/change-tasks/", {"change": change.number, "title": "x"},
                                        format="json")
    assert hidden.status_code == 400  # agent_b's teams do not see the change: it does not exist for them
    created = api.post("/api/v1/change-tasks/", {"change": change.number, "title": "Export the data",
                                                 "task_type": "testing"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["change"], body["task_type"], body["state"], body["order"]) == (change.number, "testing", "open", 1)
    listed = api.get(f"/api/v1/change-tasks/?change={change.number}").json()["results"]
    assert [row["number"] for row in listed] == [body["number"]]
    moved = api.patch(f"/api/v1/change-tasks/{body['number']}/", {"change": "CHG0000001"}, format="json")
    assert moved.status_code == 400
    done = api.post(f"/api/v1/change-tasks/{body['number']}/transition/",
                    {"state": "done", "close_notes": "Exported."}, format="json")
    assert done.status_code == 200 and done.json()["close_notes"] == "Exported."
    assert token_client(requester_a).get("/api/v1/change-tasks/").status_code == 403
