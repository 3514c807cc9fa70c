"""Serving ticket attachments: only to users who may see the ticket, always as a download, never rendered inline.

The stored file name is a random token (see core.models.attachment_path); the user's file name is only ever sent
back in the Content-Disposition header, which Django encodes per RFC 6266 (``filename`` and ``filename*``).
The Content-Type is derived from the file name's extension and kept only when it is in a small allow-list of
inert types; everything else (HTML, SVG, XML, JavaScript, unknown) is sent as ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from accounts.roles import Role, role_of
from core.models import Attachment, Ticket

# Types a browser will not execute or render as an active document.
SAFE_CONTENT_TYPES = frozenset({
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/json",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "audio/mpeg",
    "audio/wav",
    "video/mp4",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
})
FALLBACK_CONTENT_TYPE = "application/octet-stream"


def safe_content_type(filename: str) -> str:
    """The Content-Type to serve `filename` with: its guessed type if inert, else application/octet-stream.

    The type the uploader's browser claimed is never trusted; text types get an explicit charset.
    """
    guessed, encoding = mimetypes.guess_type(filename, strict=False)
    if encoding or guessed not in SAFE_CONTENT_TYPES:
        return FALLBACK_CONTENT_TYPE
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def visible_attachments(user) -> object:
    """The attachments `user` may download: on tickets they can see; internal ones only for the desk."""
    qs = Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
    if role_of(user) == Role.END_USER:
        qs = qs.filter(internal=False)
    return qs


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Send one attachment as a download; 404 when it is missing or the user may not see it."""
    attachment = visible_attachments(request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment.")
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file of this attachment is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=safe_content_type(attachment.filename)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
