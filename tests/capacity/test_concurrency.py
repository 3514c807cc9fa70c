"""Ten batches crossing the warning threshold of one metric at the same moment (ten threads, each its own
PostgreSQL connection, released together) tell event management once: the metric's row is locked while it is
evaluated."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from capacity import services
from capacity.choices import Level
from capacity.ingest import Reading
from capacity.models import Metric, Sample
from events.models import Event
from tests.capacity.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)
N = 10


def test_ten_crossings_at_once_raise_one_event(storage):
    Metric.objects.filter(pk=storage.pk).update(alert_within_days=0)
    barrier, errors = threading.Barrier(N), []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.record([Reading(storage.pk, NOW + timedelta(minutes=i), 850 + i)], now=NOW + timedelta(hours=1))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Sample.objects.filter(metric=storage).count() == N
    assert Event.objects.filter(source="capacity").count() == 1
    storage.refresh_from_db()
    assert storage.level == Level.WARNING and storage.last_value == 850 + N - 1
