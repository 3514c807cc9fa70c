"""Request middleware shared by every app."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone

from core import limits
from core.api.errors import is_api_request


class UserTimezoneMiddleware:
    """Show times in the signed-in user's time zone (profile setting); UTC or TIME_ZONE otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        if tz_name:
            try:
                timezone.activate(ZoneInfo(tz_name))
            except (ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def refusal(request: HttpRequest, status: int, heading: str, message: str) -> HttpResponse:
    """`{"detail": message}` under /api/, a small page elsewhere (no database: nothing of the request is read)."""
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=status)
    html = loader.render_to_string("errors/request_refused.html",
                                   {"status": status, "heading": heading, "message": message})
    return HttpResponse(html, status=status)


class RequestLimitsMiddleware:
    """Refuse what cannot be served before any of it is read or reaches the database (core.limits).

    - A body larger than the request may carry (core.limits.request_max_bytes) is refused with 413 from its
      `Content-Length` header, before a byte of it is read: an oversized upload costs nothing.
    - A NUL character in the path or the query string (PostgreSQL cannot hold it in text) is refused with 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return refusal(request, 400, "Bad request",
                           "The address contains a NUL character (%00), which is not allowed.")
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in unquote(query, errors="replace"):
            name = next((key for key, value in parse_qsl(query, keep_blank_values=True)
                         if "\x00" in key + value), "")
            if is_api_request(request) and name and "\x00" not in name:
                return JsonResponse({name: [limits.NUL_MESSAGE]}, status=400)
            shown = f"“{name}”" if name and "\x00" not in name else "A parameter"
            return refusal(request, 400, "Bad request",
                           f"{shown} in the address contains a NUL character (%00). {limits.NUL_MESSAGE}")
        too_large = self.oversized(request)
        if too_large is not None:
            return too_large
        return self.get_response(request)

    @staticmethod
    def oversized(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None  # Django reads no body then
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = limits.request_max_bytes(content_type)
        if length <= limit or not limit:
            return None
        if content_type.lower().startswith("multipart/"):
            message = (
                f"The request is too large ({limits.format_size(length)}): files may be at most "
                f"{limits.format_size(limits.attachment_max_bytes())} each and "
                f"{limits.format_size(limits.attachments_total_max_bytes())} together."
            )
        else:
            message = (
                f"The request is too large ({limits.format_size(length)}): at most "
                f"{limits.format_size(limit)} is accepted."
            )
        return refusal(request, 413, "Too large", message)
