"""Serving ticket attachments: only to users who may see the ticket, always as a download, never rendered inline.
(`file_response` is shared with the views that serve a ticket's files to other readers, such as a published
knowledge article's: those may show png, jpeg, gif and webp images inline, never anything else.)

The stored file name is a random token (see core.models.attachment_path); the user's file name is only ever sent
back in the Content-Disposition header, which Django encodes per RFC 6266 (``filename`` and ``filename*``).
The API hands out this view's URL as ``download_url``: it accepts the API's credentials (``Authorization: Token``)
as well as the browser's session, so an integration fetches a file with the token it used to list it.
The Content-Type is derived from the file name's extension and kept only when it is in a small allow-list of
inert types; everything else (HTML, SVG, XML, JavaScript, unknown) is sent as ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.roles import Role, role_of
from core import kinds
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


def visible_attachments(user) -> QuerySet[Attachment]:
    """The attachments `user` may download: on tickets they can see; internal ones only for the desk, and none of
    a kind end users never see as such (a public knowledge article: its readers get the files of its published
    version through knowledge's own view, never the working copy's here)."""
    qs = Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
    if role_of(user) == Role.END_USER:
        hidden = [kind.key for kind in kinds.registered() if not kind.end_users_see]
        qs = qs.filter(internal=False).exclude(ticket__kind__in=hidden)
    return qs


def api_user(request: HttpRequest):
    """The user of `request` authenticated as the API does it (token or session, the API's authentication classes).

    Raises rest_framework's AuthenticationFailed for a bad, expired or revoked token."""
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]  # type: ignore[operator]
    return Request(request, authenticators=authenticators).user


def file_user(request: HttpRequest) -> Any:
    """The signed-in user of a file request (the API's token or the browser's session), or the answer to send
    instead: a JSON 401 to a client whose credentials fail or are missing, the sign-in page to a browser."""
    try:
        user = api_user(request)
    except exceptions.AuthenticationFailed as exc:
        return JsonResponse({"detail": str(exc.detail)}, status=401, headers={"WWW-Authenticate": "Token"})
    if not user.is_authenticated:
        if "HTTP_AUTHORIZATION" in request.META:
            return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401,
                                headers={"WWW-Authenticate": "Token"})
        return redirect_to_login(request.get_full_path())
    return user


# Image types a browser shows inline and never runs (not SVG: it is a document that may carry script), each with
# how its files begin: a file named .png that is something else is sent as a download.
INLINE_IMAGES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # then four bytes of size, then WEBP (checked below)
}


def is_inline_image(filename: str, head: bytes | None = None) -> bool:
    """Whether a file may be shown inline as an image: its name says png, jpeg, gif or webp and (when `head`, its
    first bytes, is given) its content begins like one."""
    content_type = safe_content_type(filename)
    if content_type not in INLINE_IMAGES:
        return False
    if head is None:
        return True
    if content_type == "image/webp" and head[8:12] != b"WEBP":
        return False
    return head.startswith(INLINE_IMAGES[content_type])


def file_response(attachment: Attachment, *, inline_images: bool = False) -> FileResponse:
    """The response sending `attachment`: a download, or (`inline_images`) shown inline when it is an inert image
    (is_inline_image). Never sniffed, never cached, sandboxed if opened as a page. 404 when its file is missing."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file of this attachment is missing.") from exc
    inline = False
    if inline_images and is_inline_image(attachment.filename):
        inline = is_inline_image(attachment.filename, handle.read(12))
        handle.seek(0)
    response = FileResponse(
        handle, as_attachment=not inline, filename=attachment.filename,
        content_type=safe_content_type(attachment.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Send one attachment as a download; 404 when it is missing or the user may not see it.

    A browser without a session is sent to sign in; a client that sent credentials which fail gets a JSON 401."""
    user = file_user(request)
    if isinstance(user, HttpResponseBase):
        return user
    attachment = visible_attachments(user).filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment.")
    return file_response(attachment)
