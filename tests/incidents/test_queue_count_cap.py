"""Lists stop counting at a cap and say so, instead of counting every matching row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import pagination

pytestmark = pytest.mark.django_db


def test_queue_says_more_than_the_cap(client, requester_a, agent_a, make_incident, monkeypatch):
    for i in range(3):
        make_incident(requester_a, title=f"Incident {i}")
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 2)
    client.force_login(agent_a)
    html = client.get(reverse("agent-incidents") + "?queue=open").content.decode()
    assert "2+ incidents" in html and "page 1" in html
    assert html.count('data-testid="queue-row"') == 3  # the page itself still lists every row it holds
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 10)
    assert "3 incidents" in client.get(reverse("agent-incidents") + "?queue=open").content.decode()


def test_capped_count_counts_up_to_cap_plus_one(requester_a, make_incident):
    from incidents.models import Incident

    for _ in range(4):
        make_incident(requester_a)
    assert pagination.capped_count(Incident.objects.all(), 2) == 3
    assert pagination.capped_count(Incident.objects.all(), 10) == 4
