"""Who else has a ticket open (core.presence, POST /tickets/<number>/presence/), on a real Redis."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from core import presence

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(make_incident, requester_a):
    return make_incident(requester_a, title="Printer on fire")


def beat(user, number: str, *, editing: bool = False):
    client = Client()
    client.force_login(user)
    return client.post(reverse("ticket-presence", args=[number]), {"editing": "1" if editing else "0"})


def test_an_agent_sees_who_else_is_viewing_or_editing_the_ticket(incident, agent_a, manager):
    alone = beat(agent_a, incident.number)
    assert alone.status_code == 200 and b"presence-notice" not in alone.content
    beat(manager, incident.number, editing=True)
    notice = beat(agent_a, incident.number).content.decode()
    assert f"<strong>{manager.display_name}</strong> is editing this ticket" in notice
    assert "a save that crosses theirs is refused" in notice
    assert f"{agent_a.display_name}</strong>" not in notice  # never oneself

    left = Client()
    left.force_login(manager)
    assert left.post(reverse("ticket-presence", args=[incident.number]), {"leaving": "1"}).status_code == 204
    assert b"presence-notice" not in beat(agent_a, incident.number).content


def test_a_heartbeat_older_than_45_seconds_is_someone_who_left(incident, agent_a, manager):
    then = time.time() - presence.FRESH_SECONDS - 1
    presence.beat(incident.pk, manager, editing=False, now=then)
    assert presence.beat(incident.pk, agent_a, editing=False) == []


def test_only_the_desk_and_only_on_tickets_it_may_see(incident, requester_a, agent_b, agent_a):
    assert beat(requester_a, incident.number).status_code == 403
    assert beat(agent_b, incident.number).status_code == 404  # another team's incident
    assert beat(agent_a, "INC9999999").status_code == 404


def test_without_redis_the_notice_is_empty_and_the_page_works(incident, agent_a, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = beat(agent_a, incident.number)
    assert response.status_code == 200 and b"presence-notice" not in response.content


def test_pages_show_people_as_initials_and_offer_the_shortcuts(incident, agent_a):
    client = Client()
    client.force_login(agent_a)
    page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert 'class="avatar avatar-sm' in page and 'data-shortcut="c"' in page and 'data-presence' in page
    assert 'id="shortcut-help"' in page
