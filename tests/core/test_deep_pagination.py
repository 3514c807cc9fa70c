"""Lists past the count cap: every row is reached exactly once, by the API's `next` links and the queue's Next.

~1,150 incidents are written in two bulk statements (tickets, then their incident rows), with few distinct
priorities and update times so the ordering's ties are broken by the primary key, and nullable SLA due times.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import Ticket, TicketKind
from core.pagination import COUNT_CAP
from incidents.models import Incident

pytestmark = pytest.mark.django_db
TOTAL = COUNT_CAP + 150


def bulk_incidents(n: int, requester, team, prefix: str = "INC9") -> list[str]:
    """`n` open incidents of `team` in two INSERTs; returns their numbers."""
    now = timezone.now()
    tickets = Ticket.objects.bulk_create([
        Ticket(number=f"{prefix}{i:06d}", kind=TicketKind.INCIDENT, title=f"Bulk {i}", state="new",
               priority=1 + i % 4, requester=requester, team=team, opened_at=now - timedelta(minutes=i % 13),
               updated_at=now - timedelta(minutes=i % 7),
               sla_due_at=None if i % 3 == 0 else now + timedelta(minutes=i % 11))
        for i in range(n)
    ], batch_size=1000)
    fields = [f for f in Incident._meta.local_concrete_fields if f.column != "ticket_ptr_id"]
    columns = ", ".join(["ticket_ptr_id", *(f.column for f in fields)])
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Incident._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 1))})",
            [(t.pk, *defaults) for t in tickets],
        )
    return [t.number for t in tickets]


@pytest.fixture
def many(requester_a, team_service_desk) -> list[str]:
    return bulk_incidents(TOTAL, requester_a, team_service_desk)


def walk_api(client, url: str) -> tuple[list[str], list[dict]]:
    seen, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
        assert len(pages) < 100
    return seen, pages


@pytest.mark.parametrize("ordering", ["", "sla_due_at", "-sla_due_at,priority", "-number"])
def test_api_next_links_reach_every_row_once(many, token_client, agent_a, ordering):
    client = token_client(agent_a)
    seen, pages = walk_api(client, f"/api/v1/incidents/?limit=100&ordering={ordering}")
    assert len(seen) == len(set(seen)) == TOTAL and set(seen) == set(many)
    assert pages[0]["count"] == COUNT_CAP + 1 and pages[0]["count_exact"] is False
    assert "cursor=" in pages[-2]["next"]  # deep pages are keyset pages
    # and back again with `previous` from the last page: the same rows in the same order
    back, url = [], pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        back = [row["number"] for row in body["results"]] + back
        url = body["previous"]
    assert back == seen[: -len(pages[-1]["results"])]


def test_api_offset_past_the_cap_still_answers(many, token_client, agent_a):
    client = token_client(agent_a)
    body = client.get("/api/v1/incidents/?limit=50&offset=1050").json()
    assert len(body["results"]) == 50 and body["next"] and body["previous"]
    last = client.get(f"/api/v1/incidents/?limit=50&offset={TOTAL - 10}").json()
    assert len(last["results"]) == 10 and last["next"] is None


def test_api_cursor_is_checked(many, token_client, agent_a):
    client = token_client(agent_a)
    deep = client.get("/api/v1/incidents/?limit=500&offset=600").json()["next"]
    cursor = re.search(r"cursor=([^&]+)", deep).group(1)
    for bad in ("nonsense", "eyJvIjpbXX0", cursor[:-3]):
        response = client.get(f"/api/v1/incidents/?cursor={bad}")
        assert response.status_code == 400 and "cursor" in response.json()
    other_order = client.get(f"/api/v1/incidents/?cursor={cursor}&ordering=-opened_at")
    assert other_order.status_code == 400 and "another ordering" in other_order.json()["cursor"][0]
    assert client.get("/api/v1/incidents/?offset=99999999999999999999999").status_code == 400


def test_end_user_cursor_stays_within_their_tickets(many, token_client, requester_b, agent_a):
    deep = token_client(agent_a).get("/api/v1/incidents/?limit=500&offset=600").json()["next"]
    body = token_client(requester_b).get(deep).json()
    assert body["results"] == [] and body["next"] is None


def walk_queue(client, url: str) -> list[str]:
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        seen += re.findall(r'name="numbers" value="([A-Z0-9]+)"', html)
        found = re.search(r'<a class="page-link" href="([^"]+)" rel="next"', html)
        url = reverse("agent-incidents") + unescape(found.group(1)) if found else None
        pages += 1
        assert pages < 100
    return seen


@pytest.mark.parametrize("ordering", ["", "sla_due_at", "-updated_at"])
def test_queue_next_reaches_every_row_once(many, client, agent_a, ordering):
    client.force_login(agent_a)
    seen = walk_queue(client, f"{reverse('agent-incidents')}?queue=open&ordering={ordering}")
    assert len(seen) == len(set(seen)) == TOTAL and set(seen) == set(many)


def test_queue_deep_page_has_previous_and_first(many, client, agent_a):
    client.force_login(agent_a)
    html = client.get(f"{reverse('agent-incidents')}?queue=open&page=20").content.decode()
    deep = unescape(re.search(r'href="([^"]+)" rel="next"', html).group(1))
    assert "cursor=" in deep and "page=" not in deep
    deep_html = client.get(reverse("agent-incidents") + deep).content.decode()
    previous = unescape(re.search(r'href="([^"]+)" rel="prev"', deep_html).group(1))
    back = client.get(reverse("agent-incidents") + previous).content.decode()
    first_rows = re.findall(r'name="numbers" value="([A-Z0-9]+)"', back)
    assert first_rows == re.findall(r'name="numbers" value="([A-Z0-9]+)"', html)
    assert "1000+ incidents · beyond the first 1000" in deep_html
    bad = client.get(f"{reverse('agent-incidents')}?queue=open&cursor=nonsense")
    assert bad.status_code == 400 and "cursor" in bad.content.decode().lower()
