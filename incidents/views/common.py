"""Helpers shared by the portal and the workspace views."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest

from core import services as core_services
from core.models import Attachment, JournalEntry
from incidents import services
from incidents.models import Incident


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (it then wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


@transaction.atomic
def post_reply(
    incident: Incident, actor, body: str, uploads: Iterable, *, internal: bool
) -> tuple[JournalEntry | None, list[Attachment]]:
    """A comment or work note and/or files, in one transaction; the files hang off the journal entry."""
    entry = services.add_comment(incident, actor, body, internal=internal) if body.strip() else None
    attachments = [
        core_services.add_attachment(incident, actor, upload, internal=internal, journal_entry=entry)
        for upload in uploads
    ]
    return entry, attachments
