"""The one path every notification e-mail takes, and the helpers every notification builder shares.

- `send_once(key, recipients, compose)`: each recipient at most once per key (a re-delivered or retried task
  sends nothing twice); a failed send is recorded (retrying, then failed) and re-raised so the task retries.
- `recipients(...)`: who gets a mail, each person once (by user and by normalised address), never the actor.
- `clean_header(...)`: every subject goes through it (no CR/LF/control characters, bounded length).
- `site_link(path)`: absolute links on the configured site address (settings.SITE_URL).
- `render_for(recipient, template, context)`: a template rendered in the recipient's time zone.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import SentNotification

SUBJECT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_header(value: object, limit: int = SUBJECT_MAX) -> str:
    """A header value safe to send: control characters (CR, LF, tab, NUL...) become spaces, runs of spaces
    collapse, and the text is cut at `limit` characters with an ellipsis."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def normalise_address(address: str) -> str:
    """The form two addresses are compared (and recorded) in: trimmed and case-folded."""
    return address.strip().lower()


def site_link(path: str = "/") -> str:
    """`path` on the configured site address, e.g. https://servicedesk.example.com/portal/incidents/INC0000001/."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class Recipient:
    """An address to mail, and the user behind it when there is one (time zone, which pages they use)."""

    address: str
    user: Any = None

    @property
    def time_zone(self) -> str:
        return getattr(self.user, "time_zone", "") or settings.TIME_ZONE


def recipients(people: Iterable[Any], *, actor: Any = None) -> list[Recipient]:
    """Active users with an address and plain addresses (a team mailbox), in order, each once by user and by
    normalised address, and never the actor of the change (nobody is mailed about their own action)."""
    seen_users: set[int] = set()
    seen_addresses: set[str] = set()
    if actor is not None:
        seen_users.add(actor.pk)
        if actor.email:
            seen_addresses.add(normalise_address(actor.email))
    out = []
    for person in people:
        if person is None:
            continue
        if isinstance(person, str):
            user, address = None, person
        else:
            if not person.is_active or person.pk in seen_users:
                continue
            user, address = person, person.email or ""
        normal = normalise_address(address)
        if not normal or normal in seen_addresses:
            continue
        seen_addresses.add(normal)
        if user is not None:
            seen_users.add(user.pk)
        out.append(Recipient(address.strip(), user))
    return out


def team_audience(team: Any) -> list[Any]:
    """How a team is mailed: its mailbox when it has one, else its active members."""
    if team is None:
        return []
    if team.email:
        return [team.email]
    return list(team.members.filter(is_active=True).order_by("pk"))


def render_for(recipient: Recipient, template: str, context: dict[str, Any]) -> str:
    """Render `template` with dates in the recipient's time zone (their profile's, else the site's)."""
    try:
        zone = zoneinfo.ZoneInfo(recipient.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with timezone.override(zone):
        return render_to_string(template, {**context, "recipient": recipient})


Compose = Callable[[Recipient], tuple[str, str]]


def send_once(key: str, to: Iterable[Recipient | str], compose: Compose) -> int:
    """E-mail each recipient the (subject, body) `compose` makes for them, unless a mail with this key already
    went to that address. The record row is locked while sending, so a second worker waits and then skips.
    A send that raises is recorded (retrying while the task has retries left, else failed) and re-raised.
    Returns how many were sent now."""
    sent = 0
    failure: Exception | None = None
    for recipient in to:
        if isinstance(recipient, str):
            recipient = Recipient(recipient)
        address = normalise_address(recipient.address)
        subject = ""
        try:
            with transaction.atomic():
                row, _ = SentNotification.objects.select_for_update().get_or_create(
                    key=key, recipient=address,
                    defaults={"status": SentNotification.Status.RETRYING, "attempts": 0},
                )
                if row.status == SentNotification.Status.SENT:
                    continue
                subject, body = compose(recipient)
                subject = clean_header(subject)
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.address]).send()
                SentNotification.objects.filter(pk=row.pk).update(
                    status=SentNotification.Status.SENT, attempts=F("attempts") + 1, subject=subject,
                    last_error="", updated_at=timezone.now(),
                )
        except Exception as exc:  # recorded, then re-raised once every recipient had their chance
            _record_failure(key, address, subject, exc)
            failure = failure or exc
            continue
        sent += 1
    if failure is not None:
        raise failure
    return sent


def _record_failure(key: str, address: str, subject: str, exc: Exception) -> None:
    status = SentNotification.Status.RETRYING if _will_retry(exc) else SentNotification.Status.FAILED
    error = clean_header(f"{type(exc).__name__}: {exc}", limit=1000)
    with transaction.atomic():
        row, created = SentNotification.objects.select_for_update().get_or_create(
            key=key, recipient=address,
            defaults={"status": status, "attempts": 1, "subject": subject, "last_error": error},
        )
        if not created:
            SentNotification.objects.filter(pk=row.pk).update(
                status=status, attempts=F("attempts") + 1, last_error=error, subject=subject or row.subject,
                updated_at=timezone.now(),
            )


def _will_retry(exc: Exception) -> bool:
    """Whether the Celery task running now will try again after `exc` (autoretry with retries left)."""
    from celery import current_task

    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return False
    retryable = tuple(getattr(task, "autoretry_for", ()) or ())
    return bool(retryable) and isinstance(exc, retryable) and task.request.retries < (task.max_retries or 0)


def undelivered_counts() -> dict[str, int]:
    """How many recorded mails failed for good and how many wait for a retry (the admin console shows both)."""
    from django.db.models import Count

    undelivered = SentNotification.objects.exclude(status=SentNotification.Status.SENT)
    rows = undelivered.values("status").annotate(n=Count("id"))
    counts = {SentNotification.Status.FAILED.value: 0, SentNotification.Status.RETRYING.value: 0}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
