"""Twenty occurrences of one fingerprint processed at the same moment (twenty threads, each its own PostgreSQL
connection, released together by a barrier) raise exactly one incident, which counts all twenty."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from events import processing
from events.choices import EventState
from events.models import Alert, Event
from incidents.models import Incident
from tests.events.support import store

pytestmark = pytest.mark.django_db(transaction=True)

N = 20


def run_at_once(ids: list[int]) -> list[BaseException]:
    barrier, errors = threading.Barrier(len(ids)), []

    def work(event_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            processing.process(event_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_twenty_duplicates_at_once_raise_one_incident_counted_twenty_times():
    processing.system_user()
    ids = [store().pk for _ in range(N)]
    assert run_at_once(ids) == []
    assert Incident.objects.count() == 1
    alert = Alert.objects.get()
    assert alert.count == N and alert.incident == Incident.objects.get()
    states = list(Event.objects.values_list("state", flat=True))
    assert states.count(EventState.TICKETED) == 1 and states.count(EventState.DEDUPLICATED) == N - 1


def test_twenty_duplicates_at_once_from_a_new_system_user_and_a_new_alert():
    """Nothing exists yet: the monitoring user and the alert row are both created by the racing threads."""
    ids = [store(fingerprint="fresh").pk for _ in range(N)]
    assert run_at_once(ids) == []
    assert Incident.objects.count() == 1 and Alert.objects.get().count == N
