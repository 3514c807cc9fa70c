"""Through the whole path: an Alertmanager notification posted over the API is stored, sent to a real Celery
worker through Redis once committed, and ends as an incident; its resolution resolves it."""

from __future__ import annotations

import time

import pytest

from events.choices import EventState
from events.models import Event
from incidents.choices import State
from incidents.models import Incident
from tests.celery_support import start_worker, stop_worker
from tests.events.support import alertmanager, am_alert

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    proc = start_worker("events")
    yield proc
    stop_worker(proc)


def wait_for(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_an_alert_posted_over_the_api_ends_as_an_incident_then_resolves_it(worker, token_client, integration,
                                                                          make_ci):
    make_ci("db-1")
    client = token_client(integration)
    response = client.post("/api/v1/events/alertmanager/", alertmanager(), format="json")
    assert response.status_code == 202
    event_id = response.json()["events"][0]
    assert wait_for(lambda: Event.objects.get(pk=event_id).state != EventState.RECEIVED)
    event = Event.objects.get(pk=event_id)
    assert event.state == EventState.TICKETED and event.ci.name == "db-1"
    incident = Incident.objects.get(pk=event.incident_id)
    assert incident.state == State.NEW

    resolved = am_alert(status="resolved", ends="2026-12-05T10:07:00Z")
    client.post("/api/v1/events/alertmanager/", alertmanager(resolved), format="json")
    assert wait_for(lambda: Incident.objects.get(pk=incident.pk).state == State.RESOLVED)
