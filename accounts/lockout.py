"""The answer to a locked-out sign-in (django-axes): an HTML page for browsers, JSON for the API."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _cooloff() -> timedelta:
    return timedelta(hours=settings.AXES_COOLOFF_TIME)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    cooloff = _cooloff()
    minutes = int(cooloff.total_seconds() // 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": f"Too many failed sign-in attempts: try again in {minutes} minutes."}, status=429
        )
    else:
        response = render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
