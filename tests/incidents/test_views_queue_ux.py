"""The agent queue as users work it: tabs keep the filters, a failed bulk action keeps the selection."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from incidents.choices import State
from tests.incidents import views_support

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
QUEUE = reverse("agent-incidents")
TAB_RE = re.compile(r'href="([^"]+)" data-testid="queue-tab"')


def tab_urls(html: str) -> list[str]:
    return [unescape(url) for url in TAB_RE.findall(html)]


def test_queue_tabs_keep_the_filters_search_and_sort_but_not_the_page(ui_world, team_service_desk):
    client = ui_world.client("manager")
    params = f"?queue=open&q=mailbox&state=new&team={team_service_desk.pk}&ordering=priority&page=1"
    html = client.get(QUEUE + params).content.decode()
    urls = tab_urls(html)
    assert len(urls) >= 4
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        assert query["q"] == ["mailbox"] and query["state"] == ["new"]
        assert query["team"] == [str(team_service_desk.pk)] and query["ordering"] == ["priority"]
        assert "page" not in query and len(query["queue"]) == 1
    recent = next(u for u in urls if "queue=recent" in u)
    response = client.get(recent)
    assert response.status_code == 200
    assert 'value="mailbox"' in response.content.decode()  # the search box still holds the search


def test_clearing_the_filters_is_an_explicit_link_that_keeps_the_tab(ui_world):
    html = ui_world.client("manager").get(QUEUE + "?queue=recent&q=mailbox").content.decode()
    assert f'href="{QUEUE}?queue=recent">Clear filters</a>' in html
    assert tab_urls(html)[0] != f"{QUEUE}?queue=mine"


def bulk(client, **data):
    return client.post(reverse("agent-incidents-bulk"), {"next": f"{QUEUE}?queue=open", **data}, follow=True)


def checked_numbers(html: str) -> set[str]:
    return set(re.findall(r'name="numbers" value="(INC\d+)"[^>]*checked', html))


def test_a_failed_bulk_action_keeps_the_same_rows_ticked_and_says_which_failed(ui_world):
    client = ui_world.client("agent_a")
    numbers = [ui_world.number("inc_a"), ui_world.number("inc_a2")]
    response = bulk(client, action="transition", numbers=numbers, state="resolved")
    html = response.content.decode()
    assert checked_numbers(html) == set(numbers)
    for number in numbers:
        assert f"{number} was not changed: Resolving needs a resolution code" in html
    assert html.count('class="table-danger bulk-failed"') == 2
    assert '<option value="resolved" selected>' in html  # the chosen state is kept too
    assert ui_world.refresh("inc_a").state == State.NEW
    again = client.get(f"{QUEUE}?queue=open").content.decode()  # shown once, not forever
    assert checked_numbers(again) == set() and "bulk-failed" not in again


def test_an_invalid_bulk_form_keeps_the_selection(ui_world):
    client = ui_world.client("agent_a")
    number = ui_world.number("inc_a")
    html = bulk(client, action="assign", numbers=[number]).content.decode()
    assert "Choose a team or an assignee." in html
    assert checked_numbers(html) == {number}


def test_a_partly_failed_bulk_action_highlights_only_the_failures(ui_world, team_service_desk):
    agent = ui_world.users["agent_a"]
    manager = ui_world.client("manager")
    numbers = [ui_world.number("inc_a"), ui_world.number("inc_b")]
    html = bulk(manager, action="assign", numbers=numbers, assignee=agent.pk).content.decode()
    assert checked_numbers(html) == set(numbers)
    failed_rows = re.findall(r'<tr data-testid="queue-row" class="table-danger bulk-failed"[^>]*>\s*<td[^>]*>'
                             r'<input[^>]*value="(INC\d+)"', html)
    assert failed_rows == [numbers[1]]
