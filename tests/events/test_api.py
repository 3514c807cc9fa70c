"""The ingestion endpoints: what they accept (Alertmanager's webhook as sent, the generic event), what they refuse
(400 naming the field), who may post (the role matrix), and that a notification sent twice is stored once."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from events.choices import EventState
from events.models import Event
from tests.events.support import alertmanager, am_alert, generic

pytestmark = pytest.mark.django_db

AM_URL, GENERIC_URL = "/api/v1/events/alertmanager/", "/api/v1/events/"


@pytest.fixture
def client(token_client, integration) -> APIClient:
    return token_client(integration)


def test_an_alertmanager_notification_is_stored_alert_by_alert(client):
    body = alertmanager(am_alert(), am_alert("DiskFull", "web-2.example.com:9100", fingerprint="ffff000011112222",
                                              severity="warning"))
    response = client.post(AM_URL, body, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 2 and response.json()["duplicates"] == 0
    first, second = Event.objects.order_by("id")
    assert (first.source, first.check_name, first.node, first.severity, first.status) == (
        "alertmanager", "HighCPU", "db-1:9100", "critical", "firing")
    assert first.fingerprint == "am:a1b2c3d4e5f60718"
    assert first.summary == "HighCPU on db-1:9100"
    assert first.labels["job"] == "node" and first.ends_at is None  # Alertmanager's "0001-01-01" means no end yet
    assert first.annotations["generatorURL"].startswith("http://prometheus:9090/")
    assert first.state == EventState.RECEIVED  # processed by the task, not in the web call
    assert (second.check_name, second.severity) == ("DiskFull", "warning")


def test_a_generic_event_is_stored_with_a_fingerprint_from_source_node_and_check(client):
    response = client.post(GENERIC_URL, generic(), format="json")
    assert response.status_code == 202, response.content
    event = Event.objects.get(pk=response.json()["events"][0])
    assert (event.source, event.node, event.check_name, event.severity) == ("nagios", "web-1", "disk_space", "major")
    assert event.fingerprint == "nagios/web-1/disk_space"
    assert event.summary == "Disk /var is 97% full"


def test_a_generic_event_keeps_its_own_fingerprint(client):
    client.post(GENERIC_URL, generic(fingerprint="disk-web-1"), format="json")
    assert Event.objects.get().fingerprint == "disk-web-1"


@pytest.mark.parametrize(("body", "field"), [
    ({k: v for k, v in generic().items() if k != "source"}, "source"),
    (generic(node=""), "node"),
    (generic(severity="disaster"), "severity"),
    (generic(status="open"), "status"),
    (generic(message="x" * 5000), "message"),
    (generic(labels=["a"]), "labels"),
])
def test_a_bad_generic_event_is_refused_naming_the_field(client, body, field):
    response = client.post(GENERIC_URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Event.objects.exists()


def test_a_bad_alertmanager_notification_is_refused_naming_the_field(client):
    assert "version" in client.post(AM_URL, {**alertmanager(), "version": "3"}, format="json").json()
    assert "alerts" in client.post(AM_URL, {**alertmanager(), "alerts": []}, format="json").json()
    no_name = am_alert()
    del no_name["labels"]["alertname"]
    errors = client.post(AM_URL, alertmanager(no_name), format="json").json()
    assert "labels" in errors["alerts"]["0"]
    errors = client.post(AM_URL, alertmanager(am_alert(starts="yesterday")), format="json").json()
    assert "startsAt" in errors["alerts"]["0"]
    errors = client.post(AM_URL, alertmanager(am_alert(status="pending")), format="json").json()
    assert "status" in errors["alerts"]["0"]
    response = client.post(AM_URL, "not json", content_type="application/json")
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_the_same_notification_twice_is_stored_once(client):
    body = alertmanager()
    assert client.post(AM_URL, body, format="json").json()["accepted"] == 1
    again = client.post(AM_URL, body, format="json")
    assert again.status_code == 202
    assert again.json() == {"accepted": 0, "duplicates": 1, "events": []}
    # its resolution is another event; a firing that starts again later is a new occurrence
    client.post(AM_URL, alertmanager(am_alert(status="resolved", ends="2026-12-05T10:05:00Z")), format="json")
    client.post(AM_URL, alertmanager(am_alert(starts="2026-12-05T11:00:00Z")), format="json")
    assert Event.objects.count() == 3


def test_a_generic_event_with_an_id_is_stored_once(client):
    assert client.post(GENERIC_URL, generic(id="evt-42"), format="json").json()["accepted"] == 1
    assert client.post(GENERIC_URL, generic(id="evt-42"), format="json").json()["duplicates"] == 1
    client.post(GENERIC_URL, generic(), format="json")
    client.post(GENERIC_URL, generic(), format="json")  # no id: each post is an occurrence
    assert Event.objects.count() == 3


@pytest.mark.parametrize("url", [AM_URL, GENERIC_URL])
@pytest.mark.parametrize(("who", "expected"), [
    (None, 401), ("requester_a", 403), ("agent_a", 202), ("manager", 202), ("admin", 202), ("integration", 202),
])
def test_who_may_post_events(url, who, expected, users, integration, token_client, api_client):
    client = api_client if who is None else token_client(integration if who == "integration" else users[who])
    body = alertmanager() if url == AM_URL else generic()
    response = client.post(url, body, format="json")
    assert response.status_code == expected
    assert Event.objects.count() == (1 if expected == 202 else 0)


@pytest.mark.parametrize("url", [AM_URL, GENERIC_URL])
def test_reading_an_ingestion_endpoint_is_not_allowed(client, url):
    assert client.get(url).status_code == 405


def test_the_web_call_publishes_the_processing_once_committed(client, django_capture_on_commit_callbacks,
                                                              monkeypatch):
    from events import tasks

    sent = []
    monkeypatch.setattr(tasks.process, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(AM_URL, alertmanager(am_alert(), am_alert(fingerprint="0000111122223333")), format="json")
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == [[sorted(Event.objects.values_list("pk", flat=True))]]


def test_events_whose_task_was_lost_are_processed_by_the_sweep(client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from core import clock
    from events import tasks

    client.post(GENERIC_URL, generic(), format="json")  # in a test, the task is never published
    assert tasks.sweep_waiting() == 0  # not yet: its own task may still be on its way
    with clock.frozen(timezone.now() + timedelta(minutes=2)):
        assert tasks.sweep_waiting() == 1
    assert Event.objects.get().state == EventState.TICKETED
    assert tasks.sweep_waiting() == 0


def test_a_call_costs_the_same_queries_for_one_alert_or_a_hundred(client, django_assert_max_num_queries):
    client.post(AM_URL, alertmanager(), format="json")  # the token's last use is written once a minute
    one = alertmanager(am_alert(fingerprint="1111111111111111"))
    many = alertmanager(*[am_alert(fingerprint=f"{i:016x}", starts=f"2026-12-05T11:{i % 60:02d}:00Z")
                          for i in range(100)])
    with django_assert_max_num_queries(6) as one_call:
        assert client.post(AM_URL, one, format="json").json()["accepted"] == 1
    with django_assert_max_num_queries(len(one_call.captured_queries)):
        assert client.post(AM_URL, many, format="json").json()["accepted"] == 100
