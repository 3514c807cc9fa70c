"""A real Celery worker sending through a real SMTP conversation: a refused send is retried with backoff and
delivered once; a send refused every time ends recorded as failed after the last retry."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from core.models import SentNotification
from incidents import services
from tests.celery_support import start_worker, stop_worker
from tests.smtp_support import SmtpSink

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
def worker(sink):
    proc = start_worker("mail", {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port), "NOTIFICATION_MAX_RETRIES": "2", "NOTIFICATION_RETRY_BACKOFF": "1",
    })
    yield proc
    stop_worker(proc)


def _wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _row(address: str, status: str):
    return SentNotification.objects.filter(recipient=address, status=status).first()


def test_a_refused_mail_is_retried_by_the_worker_and_delivered_once(sink, worker, requester_a, agent_a,
                                                                     make_incident):
    incident = services.take(make_incident(requester_a), agent_a)
    _wait_for(lambda: _row(requester_a.email, "sent"))  # the acknowledgement, then the assignment
    _wait_for(lambda: SentNotification.objects.filter(recipient=requester_a.email, status="sent").count() == 2)
    sink.messages.clear()
    sink.refuse = 1
    services.add_comment(incident, agent_a, "Please restart Outlook.")
    row = _wait_for(lambda: SentNotification.objects.filter(
        recipient=requester_a.email, status="sent", attempts=2).first())
    time.sleep(1.5)  # nothing else arrives (the worker is idle)
    assert sink.refused == 1
    assert [m["To"] for m in sink.messages] == [requester_a.email]
    assert "Please restart Outlook." in sink.messages[0].get_payload()
    assert row.last_error == "" and mail.outbox == []


def test_a_mail_refused_every_time_is_recorded_as_failed(sink, worker, requester_a, agent_a, make_incident):
    sink.refuse = 100
    incident = make_incident(requester_a)
    services.add_comment(incident, agent_a, "Please restart Outlook.")
    row = _wait_for(lambda: _row(requester_a.email, "failed") if SentNotification.objects.filter(
        recipient=requester_a.email, status="failed").count() == 2 else None)
    assert row.attempts == 3  # the first try and two retries
    assert "451" in row.last_error and "try again later" in row.last_error
    assert sink.messages == []
