"""Every size limit of what the service desk accepts, in one place (README, "Limits").

Beyond a limit the answer is a clear refusal that names it: 400 `{"field": ["..."]}` in the API, a form error on
the page, 413 for a request body that is too large (checked from its `Content-Length`, before the body is read).
Nothing is ever half saved.

- Field limits: a ticket title holds TITLE_MAX_LENGTH characters, a long text (a description, a comment or
  work note, resolution notes, the description of a service or a schedule) TEXT_MAX_LENGTH. They sit on the
  model fields (`max_length`, which forms and serializers pick up, plus a validator for `full_clean`), on the
  explicit serializer and form fields, and the service functions check them again (`check_texts`), so a
  caller in code (a Celery task, a script) is refused the same way.
- Full-text search reads the first SEARCH_TEXT_PREFIX characters of a description (core.models.Ticket.search):
  PostgreSQL refuses a tsvector over 1 MB, so an unbounded text would make the row impossible to save.
- Request bodies: at most DATA_UPLOAD_MAX_MEMORY_SIZE (setting, 5 MB) without files; with files (multipart),
  each file at most ATTACHMENT_MAX_BYTES (`ATTACHMENT_MAX_MB`, 10), all files of one request at most
  ATTACHMENTS_MAX_TOTAL_BYTES (`ATTACHMENTS_MAX_TOTAL_MB`, 25), plus DATA_UPLOAD_MAX_MEMORY_SIZE for the other
  fields of the form (core.middleware.RequestLimitsMiddleware).
- JSON bodies nest at most JSON_MAX_DEPTH levels and carry no NUL character nor lone surrogate, which
  PostgreSQL cannot store (core.api.parsers.JSONParser).
- Paths and query strings carry no NUL character (core.middleware.RequestLimitsMiddleware).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 64_000
SEARCH_TEXT_PREFIX = 65_536
SEARCH_QUERY_MAX_LENGTH = 500
JSON_MAX_DEPTH = 32


def long_text(**options: Any) -> dict[str, Any]:
    """The options of a long text model field: `models.TextField(**long_text(blank=True))`.

    `max_length` makes forms and DRF's ModelSerializer refuse a longer text (TextField itself does not check it);
    the validator makes `full_clean` (the admin) refuse it as well.
    """
    return {"max_length": TEXT_MAX_LENGTH, "validators": [MaxLengthValidator(TEXT_MAX_LENGTH)], **options}


def too_long_message(limit: int, length: int) -> str:
    return f"Ensure this field has no more than {limit:,} characters (it has {length:,})."


NUL_MESSAGE = "Null characters are not allowed."


def text_errors(values: Mapping[str, Any], limits: Mapping[str, int]) -> dict[str, list[str]]:
    """`{field: [message]}` for each text in `values` longer than its limit in `limits` or holding a NUL character
    (which PostgreSQL cannot store)."""
    errors: dict[str, list[str]] = {}
    for name, limit in limits.items():
        value = values.get(name)
        if not isinstance(value, str):
            continue
        if len(value) > limit:
            errors[name] = [too_long_message(limit, len(value))]
        elif "\x00" in value:
            errors[name] = [NUL_MESSAGE]
    return errors


def check_texts(values: Mapping[str, Any], limits: Mapping[str, int] | None = None) -> None:
    """Raise ValidationError naming each text of `values` over its limit (TICKET_TEXT_LIMITS by default) or holding
    a NUL character: the service functions' own check, whoever calls them."""
    errors = text_errors(values, TICKET_TEXT_LIMITS if limits is None else limits)
    if errors:
        raise ValidationError(errors)


# The ticket texts the service functions check, by the name they are given under.
TICKET_TEXT_LIMITS: dict[str, int] = {
    "title": TITLE_MAX_LENGTH,
    "description": TEXT_MAX_LENGTH,
    "resolution_notes": TEXT_MAX_LENGTH,
    "body": TEXT_MAX_LENGTH,
    "comment": TEXT_MAX_LENGTH,
}


# --- Sizes of request bodies and files -----------------------------------------------------------------------


def attachment_max_bytes() -> int:
    """The largest file accepted (ATTACHMENT_MAX_MB)."""
    return int(settings.ATTACHMENT_MAX_BYTES)


def attachments_total_max_bytes() -> int:
    """The most file content accepted in one request (ATTACHMENTS_MAX_TOTAL_MB)."""
    return int(settings.ATTACHMENTS_MAX_TOTAL_BYTES)


def body_max_bytes() -> int:
    """The largest request body without files (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def request_max_bytes(content_type: str) -> int:
    """The largest body of a request of `content_type`: files and form fields for multipart, else body_max_bytes."""
    if content_type.lower().startswith("multipart/"):
        return attachments_total_max_bytes() + body_max_bytes()
    return body_max_bytes()


def format_size(size: int | float) -> str:
    """A size for people: "10 MB", "2.5 MB", "10.04 MB", "512 KB", "100 bytes" (never "0.0 MB")."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            text = f"{value:.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"{text} {unit}"
    return f"{int(size)} byte{'s' if int(size) != 1 else ''}"
