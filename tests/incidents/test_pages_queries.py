"""The number of SQL queries of each incident page is constant: it does not grow with rows, entries or files.

Each test measures a page with little data, adds many rows, and asserts the page then needs no more queries.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import services as core_services
from incidents import services
from incidents.choices import State
from tests.incidents import views_support
from tests.incidents.views_support import numbers_in, upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
CEILING = 30  # a sanity bound on any page, whatever the data


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert len(ctx) <= CEILING, [q["sql"] for q in ctx.captured_queries]
    return len(ctx)


def grow(world, make_incident, count: int = 30) -> None:
    """Many incidents on agent_a's team, some taken (then on hold) and with work notes."""
    agent, requester = world.users["agent_a"], world.users["requester_a"]
    for n in range(count):
        incident = make_incident(requester, title=f"Grown {n}", description=f"Grown incident number {n}.")
        if n % 2:
            services.take(incident, agent)
            services.add_comment(incident, agent, f"note {n}", internal=True)
        if n % 5 == 4:
            services.transition(incident, agent, State.ON_HOLD, hold_reason="awaiting_vendor")


@pytest.mark.parametrize("role", ["agent_a", "manager"])
@pytest.mark.parametrize("params", ["?queue=open", "?queue=my-teams", "?queue=recent&ordering=-opened_at",
                                    "?queue=open&state=new&state=in_progress&q=grown"])
def test_queue_pages(ui_world, make_incident, django_assert_max_num_queries, role, params):
    if role == "manager":
        ui_world.users["manager"].teams.add(ui_world.users["agent_a"].teams.get())
    client = ui_world.client(role)
    url = reverse("agent-incidents") + params
    grow(ui_world, make_incident, count=1)  # one row, so the baseline renders a row and the bulk form
    before = queries_of(client, url)
    grow(ui_world, make_incident)
    with django_assert_max_num_queries(before):
        response = client.get(url)
    assert len(numbers_in(response.content.decode())) > 5  # the page really lists the grown rows


def test_a_full_page_of_fifty_rows(ui_world, make_incident, django_assert_max_num_queries):
    client = ui_world.client("manager")
    url = reverse("agent-incidents") + "?queue=recent"
    before = queries_of(client, url)
    grow(ui_world, make_incident, count=60)
    with django_assert_max_num_queries(before):
        response = client.get(url)
    assert len(numbers_in(response.content.decode())) == 50


def test_agent_ticket_page(ui_world, django_assert_max_num_queries):
    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    client = ui_world.client("agent_a")
    url = reverse("agent-incident", args=[incident.number])
    before = queries_of(client, url)
    for n in range(15):
        entry = services.add_comment(incident, agent, f"comment {n}", internal=bool(n % 2))
        core_services.add_attachment(incident, agent, upload(f"file{n}.txt"), internal=bool(n % 2),
                                     journal_entry=entry)
    for key in ("requester_b", "colleague_a", "manager"):
        core_services.add_watcher(incident, ui_world.users[key], agent, confirm_other_organization=True)
    core_services.link_tickets(incident, ui_world.incidents["inc_a2"], "related", agent)
    core_services.link_tickets(ui_world.incidents["inc_a2"], incident, "caused_by", agent)
    with django_assert_max_num_queries(before):
        response = client.get(url)
    html = response.content.decode()
    assert "comment 14" in html and "file14.txt" in html and "Test Colleague_A" in html


def test_portal_pages(ui_world, make_incident, django_assert_max_num_queries):
    requester, agent = ui_world.users["requester_a"], ui_world.users["agent_a"]
    client = ui_world.client("requester_a")
    incident = ui_world.incidents["inc_a"]
    urls = [reverse("portal-incidents"), reverse("portal-home"), reverse("portal-incident", args=[incident.number])]
    before = {url: queries_of(client, url) for url in urls}
    grow(ui_world, make_incident)
    for n in range(15):
        entry = services.add_comment(incident, agent if n % 2 else requester, f"reply {n}")
        core_services.add_attachment(incident, requester, upload(f"shot{n}.png"), journal_entry=entry)
    for url in urls:
        with django_assert_max_num_queries(before[url]):
            response = client.get(url)
        assert response.status_code == 200
    assert "reply 14" in response.content.decode()


def test_workspace_home(ui_world, make_incident, django_assert_max_num_queries):
    client = ui_world.client("agent_a")
    url = reverse("agent-home")
    before = queries_of(client, url)
    grow(ui_world, make_incident)
    with django_assert_max_num_queries(before):
        client.get(url)
