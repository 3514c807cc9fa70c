"""The event console: what the desk sees of each event (labels, badges, the incident it raised), its filters, who
may open it, and a bounded number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from events.models import Event
from tests.events.support import fire, store

pytestmark = pytest.mark.django_db
URL = "/agent/events/"


@pytest.fixture
def events(make_ci, team_network):
    make_ci("web-1", support_team=team_network)
    ticketed = fire()
    info = fire(severity="info", node="web-2", fingerprint="w2", check_name="uptime", summary="Up for 12 days")
    waiting = store(node="db-9", fingerprint="db9", severity="critical", summary="Replication lag")
    return ticketed, info, waiting


def page_text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def test_the_console_shows_labels_badges_and_the_incident_link(client, agent_b, events):
    ticketed, _info, _waiting = events
    client.force_login(agent_b)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    for words in ("Incident raised", "Recorded", "Waiting", "Critical", "Information", "Major", "Up for 12 days",
                  "Information: recorded, never ticketed."):
        assert words in text
    number = ticketed.incident.number
    assert f'href="{reverse("agent-incident", args=[number])}"' in html  # agent_b's team: a link
    assert 'hx-trigger="every 10s"' in html
    assert not re.search(r"\bNone\b", text)
    for code in ("ticketed", "deduplicated", "received", "recorded"):
        assert f">{code}<" not in html


def test_another_teams_incident_is_shown_without_a_link(client, agent_a, events):
    ticketed, *_ = events
    client.force_login(agent_a)
    html = client.get(URL).content.decode()
    assert ticketed.incident.number in html
    assert reverse("agent-incident", args=[ticketed.incident.number]) not in html


def test_filters_by_state_severity_and_source(client, agent_b, events):
    client.force_login(agent_b)
    text = page_text(client.get(URL, {"state": "recorded"}))
    assert "Up for 12 days" in text and "Replication lag" not in text
    text = page_text(client.get(URL, {"severity": "critical"}))
    assert "Replication lag" in text and "Up for 12 days" not in text
    assert "No events match these filters" in page_text(client.get(URL, {"source": "zabbix"}))


def test_an_unknown_filter_value_is_an_error_on_its_filter_not_a_500(client, agent_b, events):
    client.force_login(agent_b)
    response = client.get(URL, {"state": "exploded"})
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)


def test_htmx_refresh_answers_the_rows_alone(client, agent_b, events):
    client.force_login(agent_b)
    response = client.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.count('data-testid="event-row"') == 3 and "<html" not in html


def test_the_query_count_does_not_grow_with_the_rows(client, agent_b, events, django_assert_max_num_queries):
    client.force_login(agent_b)
    client.get(URL)
    for i in range(40):
        store(node=f"host-{i}", fingerprint=f"h{i}")
    Event.objects.filter(incident__isnull=True).update(incident=events[0].incident)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count('data-testid="event-incident"') == 43


@pytest.mark.parametrize(("who", "expected"), [
    ("requester_a", 403), ("agent_a", 200), ("manager", 200), ("admin", 200),
])
def test_who_may_open_the_console(client, users, who, expected):
    client.force_login(users[who])
    assert client.get(URL).status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_workspace_links_to_the_console(client, agent_a):
    client.force_login(agent_a)
    assert URL in client.get(reverse("agent-home")).content.decode()
    assert 'data-testid="nav-events"' in client.get(reverse("agent-incidents")).content.decode()
