"""Serving ticket attachments: only to users who may see the ticket, always as a download, never rendered inline.

The stored file name is a random token (see core.models.attachment_path); the user's file name is only ever sent
back in the Content-Disposition header, which Django encodes per RFC 6266 (``filename`` and ``filename*``).
The API hands out this view's URL as ``download_url``: it accepts the API's credentials (``Authorization: Token``)
as well as the browser's session, so an integration fetches a file with the token it used to list it.
The Content-Type is derived from the file name's extension and kept only when it is in a small allow-list of
inert types; everything else (HTML, SVG, XML, JavaScript, unknown) is sent as ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

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


def visible_attachments(user) -> QuerySet[Attachment]:
    """The attachments `user` may download: on tickets they can see; internal ones only for the desk."""
    qs = Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
    if role_of(user) == Role.END_USER:
        qs = qs.filter(internal=False)
    return qs


def api_user(request: HttpRequest):
    """The user of `request` authenticated as the API does it (token or session, the API's authentication classes).

    Raises rest_framework's AuthenticationFailed for a bad, expired or revoked token."""
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]  # type: ignore[operator]
    return Request(request, authenticators=authenticators).user


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Send one attachment as a download; 404 when it is missing or the user may not see it.

    A browser without a session is sent to sign in; a client that sent credentials which fail gets a JSON 401."""
    try:
        user = api_user(request)
    except exceptions.AuthenticationFailed as exc:
        return JsonResponse({"detail": str(exc.detail)}, status=401, headers={"WWW-Authenticate": "Token"})
    if not user.is_authenticated:
        if "HTTP_AUTHORIZATION" in request.META:
            return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401,
                                headers={"WWW-Authenticate": "Token"})
        return redirect_to_login(request.get_full_path())
    attachment = visible_attachments(user).filter(pk=pk).first()
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
