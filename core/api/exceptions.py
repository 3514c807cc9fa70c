"""The API's error format: 400 `{"field": ["message"]}`, and a JSON body for every other error.

Service functions raise Django's ValidationError (a field dict), core.services.ConflictError (a stale
`version`: 409), core.workflow.TransitionError (a refused state change: 400 with its field errors) and
Django's PermissionDenied (403 with its message); the viewsets let them through and they are mapped here.
A database that cannot be reached answers 503 with a JSON body and `Retry-After` (never a 500 page).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.services import ConflictError
from core.workflow import TransitionError

log = logging.getLogger(__name__)

DATABASE_DOWN = {"detail": "The database is unavailable at the moment. Try again shortly (a create sent again with "
                           "the same Idempotency-Key is never made twice)."}
RETRY_AFTER_SECONDS = 5


def database_unavailable_response() -> Response:
    """503 with a JSON body: the request was not carried out, a retry later may succeed."""
    return Response(DATABASE_DOWN, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", exc)
        return database_unavailable_response()
    if isinstance(exc, ConflictError):
        return Response(
            {"detail": str(exc), "current_version": exc.current_version}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, TransitionError):
        exc = exceptions.ValidationError(exc.field_errors)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data = {"detail": response.data.get("detail", "Request was throttled.")}
    return response
