"""`Idempotency-Key` on API creates: a retried create answers the first answer instead of creating twice.

A client that did not get an answer (timeout, 5xx, lost connection) sends the same request again with the same
key. Within 24 hours, the same key from the same user with the same method, path and body answers the stored
response (same status, same body, plus `Idempotent-Replayed: true`); the same key with a different request is
refused with 422. The answer is stored in the transaction of the create, and the response is built inside that
transaction too: a create is either committed with its stored answer, or not at all.

Decorate a view's create method with `idempotent_create` and list `IDEMPOTENCY_KEY` in its schema parameters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Optional unique key (1-255 visible ASCII characters, e.g. a UUID) that makes a retried create "
    "safe: within 24 hours the same key with the same request answers the first response again "
    "(`Idempotent-Replayed: true`) instead of creating twice; with a different request it answers 422.",
)
KEY_REUSED = OpenApiResponse(description="The Idempotency-Key was already used with a different request.")


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def clean_key(raw: str) -> str:
    """The header's value, or a 400 naming the header."""
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise exceptions.ValidationError(
            {HEADER: [f"Use 1 to {MAX_KEY_LENGTH} visible ASCII characters (no spaces), e.g. a UUID."]}
        )
    return key


def fingerprint(request: Request) -> str:
    """sha256 of the method, the path and the body (parsed, with sorted keys, so formatting does not matter)."""
    try:
        body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder)
    except TypeError:  # files in the body: their raw bytes are no longer readable, names and sizes are
        body = repr(sorted((k, str(v)) for k, v in request.data.items()))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _stored(user: Any, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=user, key=key, created_at__gte=timezone.now() - TTL).first()


def _replay(stored: IdempotencyKey, print_: str) -> Response:
    if stored.fingerprint != print_:
        raise KeyReused(
            f"This {HEADER} was already used with a different request in the last 24 hours: use a new key for "
            "a new request."
        )
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(stored.response_body, status=stored.status_code, headers=headers)


def _store(user: Any, key: str, print_: str, response: Response) -> None:
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - TTL).delete()
    IdempotencyKey.objects.create(
        user=user, key=key, fingerprint=print_, status_code=response.status_code,
        response_body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
        location=response.get("Location", ""),
    )


def idempotent_create(method: Callable[..., Response]) -> Callable[..., Response]:
    """Run a view's create in one transaction with its response, honouring `Idempotency-Key` (see above)."""

    @wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.headers.get(HEADER)
        if raw is None:
            with transaction.atomic():
                return method(view, request, *args, **kwargs)
        key, print_ = clean_key(raw), fingerprint(request)
        stored = _stored(request.user, key)
        if stored is not None:
            return _replay(stored, print_)
        try:
            with transaction.atomic():
                response = method(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    _store(request.user, key, print_, response)
        except IntegrityError:
            stored = _stored(request.user, key)  # a concurrent request with the same key committed first
            if stored is None:
                raise
            return _replay(stored, print_)
        return response

    return wrapper
