"""The one mail path: header sanitising, recipients once and never the actor, a failed send retried with backoff
and then recorded (never dropped), a retry that sends nothing twice, the site address in every link."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from core import count_cache
from core.models import SentNotification
from core.notifications import Recipient, clean_header, recipients, send_once
from incidents import services
from incidents.tasks import send_incident_notification
from itsm.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """The locmem backend, failing like an SMTP server that drops the connection `failures` more times."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.NOTIFICATION_MAX_RETRIES = 2
    celery_app.conf.task_always_eager = True
    yield FlakyBackend
    celery_app.conf.task_always_eager = False
    FlakyBackend.failures = 0


def test_clean_header_removes_line_breaks_and_control_characters_and_bounds_the_length():
    assert clean_header("Printer\r\nBcc: x@example.com\x00\x1b[31m\u2028end") == "Printer Bcc: x@example.com [31m end"
    assert clean_header("  a \t b  ") == "a b"
    long = clean_header("x" * 500)
    assert len(long) == 200 and long.endswith("\u2026")


def test_recipients_once_by_user_and_by_address_never_the_actor(db):
    alice = UserFactory(username="alice", email="Alice@Example.com")
    bob = UserFactory(username="bob", email="bob@example.com")
    gone = UserFactory(username="gone", email="gone@example.com", is_active=False)
    got = recipients([alice, "alice@example.COM ", bob, alice, gone, None, "", "desk@example.com"], actor=bob)
    assert got == [Recipient("Alice@Example.com", alice), Recipient("desk@example.com")]


def test_send_once_records_and_skips_what_was_sent():
    compose = lambda r: ("Hello\r\nthere", "Body")  # noqa: E731
    assert send_once("k1", ["a@example.com", "A@example.com "], compose) == 1
    assert send_once("k1", ["a@example.com"], compose) == 0
    (message,) = mail.outbox
    assert message.subject == "Hello there"
    row = SentNotification.objects.get(key="k1")
    assert (row.recipient, row.status, row.attempts, row.subject) == ("a@example.com", "sent", 1, "Hello there")


def test_a_failing_send_is_retried_then_sent_once(flaky, requester_a, agent_a, make_incident,
                                                  django_capture_on_commit_callbacks):
    incident = make_incident(requester_a)
    mail.outbox.clear()
    flaky.failures = 2  # the first try and the first retry fail; the second retry (the last allowed) succeeds
    with django_capture_on_commit_callbacks(execute=False) as enqueue:
        services.add_comment(incident, agent_a, "Please restart.")
    (send,) = [task for task in enqueue if task is not count_cache._bump]  # (the lists' counts renew on commit)
    send()
    assert [m.to for m in mail.outbox] == [[requester_a.email]]
    row = SentNotification.objects.get(recipient=requester_a.email)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    send()  # the same task delivered again sends nothing more
    assert len(mail.outbox) == 1


def test_a_send_failing_every_time_is_recorded_as_failed_and_a_later_success_sends_once(
    flaky, requester_a, agent_a, make_incident
):
    incident = make_incident(requester_a)
    entry = services.add_comment(incident, agent_a, "Please restart.")
    mail.outbox.clear()
    flaky.failures = 99
    key = f"incident:{incident.pk}:test"
    result = send_incident_notification.apply(args=[["comment"], incident.pk, entry.pk, key, agent_a.pk])
    assert result.failed() and isinstance(result.result, smtplib.SMTPServerDisconnected)
    assert flaky.failures == 99 - 3  # tried once and retried twice (NOTIFICATION_MAX_RETRIES)
    row = SentNotification.objects.get(key=key)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in row.last_error
    assert "Please restart" not in row.last_error and mail.outbox == []
    flaky.failures = 0  # the server is back: the task delivered again sends once, and only once
    assert send_incident_notification.apply(args=[["comment"], incident.pk, entry.pk, key, agent_a.pk]).get() == 1
    assert send_incident_notification.apply(args=[["comment"], incident.pk, entry.pk, key, agent_a.pk]).get() == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, "")


def test_a_mail_that_cannot_be_built_is_recorded_not_dropped():
    def broken(recipient):
        raise ValueError("no template")

    with pytest.raises(ValueError):
        send_once("k2", ["a@example.com", "b@example.com"], broken)
    assert sorted(SentNotification.objects.filter(key="k2").values_list("recipient", "status")) == [
        ("a@example.com", "failed"), ("b@example.com", "failed")]  # every recipient was tried and recorded


def test_the_admin_console_counts_undelivered_mail(client, admin_user):
    SentNotification.objects.create(key="x", recipient="a@example.com", status="failed", last_error="boom")
    SentNotification.objects.create(key="y", recipient="a@example.com", status="retrying")
    client.force_login(admin_user)
    page = client.get(reverse("admin-home")).content.decode()
    assert re.search(r">1 failed</a>,\s*<a [^>]*>1 waiting for a retry</a>", page)
    changelist = client.get(reverse("admin:core_sentnotification_changelist") + "?status__exact=failed")
    assert changelist.status_code == 200 and "boom" in changelist.content.decode()


def test_password_reset_links_use_the_site_address(client, requester_a, settings):
    settings.SITE_URL = "https://servicedesk.example.com"
    response = client.post(reverse("password_reset"), {"email": requester_a.email}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert re.search(r"https://servicedesk\.example\.com/accounts/password/reset/\S+/\S+/", message.body)
    assert "127.0.0.1" not in message.body
