"""A real worker is killed (SIGKILL) in the middle of a sweep and started again: every due timer gets exactly
one breach event, and none is missed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from core import clock
from itsm.celery import app as celery_app
from sla.models import EventKind, SlaEvent, SlaTimer
from sla.tasks import sweep
from tests.celery_support import start_worker, stop_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
DUE = 400


def test_sigkill_mid_sweep_loses_and_duplicates_nothing(requester_a, make_incident, always, make_definition):
    make_definition("Short", schedule=always, hours=1, thresholds=[], actions={})
    with clock.frozen(clock.now() - timedelta(hours=2)):  # every timer is due (breached an hour ago)
        for _ in range(DUE):
            make_incident(requester_a)
    assert SlaTimer.objects.filter(next_event_at__lte=clock.now()).count() == DUE
    celery_app.control.purge()  # the incidents' acknowledgement e-mails: not what this test is about

    # small batches: many short transactions, so the kill lands between and inside them
    worker = start_worker("sla-a", {"SLA_SWEEP_BATCH": "3"})
    try:
        sweep.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and SlaEvent.objects.count() < 20:
            time.sleep(0.01)
        recorded_before_kill = SlaEvent.objects.count()
        stop_worker(worker, kill=True)
    finally:
        stop_worker(worker, kill=True)
    assert 0 < recorded_before_kill < DUE, "the kill must land in the middle of the sweep"

    worker = start_worker("sla-b")
    try:
        sweep.delay().get(timeout=120)  # beat would send this within seconds
        sweep.delay().get(timeout=120)  # and again: nothing more happens
    finally:
        stop_worker(worker)
    breaches = SlaEvent.objects.filter(kind=EventKind.BREACH)
    assert breaches.count() == DUE
    assert breaches.values("timer").distinct().count() == DUE
    assert not SlaTimer.objects.filter(breached=False).exists()
    assert not SlaTimer.objects.filter(next_event_at__isnull=False).exists()
