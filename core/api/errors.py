"""JSON errors for every answer under the API's path, including those Django itself produces.

DRF views already answer errors as JSON; what is left are the URLs no view matches (a catch-all at the end of the
API's URLs) and the errors raised before or outside a DRF view (bad request body, 500), which Django sends to the
`handler400/403/404/500` views: those answer JSON under `/api/`, HTML elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

API_PREFIX = "/api/"
DETAILS = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    500: "A server error occurred.",
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int) -> JsonResponse:
    """The API's error body for `status`: `{"detail": "..."}`."""
    return JsonResponse({"detail": DETAILS.get(status, "Error.")}, status=status)


def json_under_api(status: int) -> Callable:
    """Make an error handler answer the API's JSON error under /api/ (and keep its HTML page elsewhere)."""

    def decorate(handler: Callable) -> Callable:
        @wraps(handler)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if is_api_request(request):
                return json_error(status)
            return handler(request, *args, **kwargs)

        return wrapper

    return decorate


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any URL under /api/v1/ that no endpoint matches: 404 `{"detail": "Not found."}`, for every method.

    A GET or HEAD that only lacks its trailing slash is redirected, as Django's APPEND_SLASH does elsewhere."""
    if settings.APPEND_SLASH and request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))
    return json_error(404)
