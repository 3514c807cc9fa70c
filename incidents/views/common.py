"""Helpers shared by the portal and the workspace views."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from core import services as core_services
from core.models import Attachment, JournalEntry
from incidents import services
from incidents.models import Incident


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (it then wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter if it points to this site, else `fallback` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


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


def page_numbers(page) -> list[int | None]:
    """Page numbers to show around the current one (None marks a gap): 1 … 4 5 [6] 7 8 … 20."""
    if page.number is None:  # a page reached by cursor, past the numbered ones
        return []
    last, current = page.paginator.num_pages, page.number
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
