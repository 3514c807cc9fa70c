"""Sending e-mails exactly once per (key, recipient): the idempotency every notification task relies on."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from core.models import SentNotification


def send_once(key: str, recipients: Iterable[str], subject: str, body: str) -> int:
    """E-mail each recipient unless a mail with this key already went to them (a re-delivered task, a second
    worker). The SentNotification row and the send share a transaction. Returns how many were sent now."""
    sent = 0
    for address in recipients:
        try:
            with transaction.atomic():
                SentNotification.objects.create(key=key, recipient=address)
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
        except IntegrityError:
            continue
        sent += 1
    return sent
