"""An item's form: which of its variables show for given answers, and the one validation both the portal form and
the API use, so an order is accepted or refused identically, with the same errors named by field.

A variable with a condition ("show Monitor size when Type is desktop") shows when the variable it depends on
shows and has that value (or, for a multiple choice, contains it). A hidden variable is neither required nor
stored. Answers are stored as JSON: text as given (trimmed), numbers as text of the decimal, dates and instants in
ISO 8601, yes/no as a boolean, choices as their values, a person as their id. A file is checked like any
attachment (its size) and comes back as the uploaded file; the order stores its name and attaches the file.
Through the API a file is {"name": ..., "content_base64": ...} (the request body stays under
DATA_UPLOAD_MAX_MEMORY_SIZE).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from catalog.models import TypedField, Variable, VariableType

TRUE_WORDS, FALSE_WORDS = {"true", "yes", "on", "1"}, {"false", "no", "off", "0", ""}
TEXT_MAX = {VariableType.TEXT: 500, VariableType.TEXTAREA: 10_000}


def shown(variables: Iterable[Variable], answers: Mapping[str, Any]) -> list[Variable]:
    """The variables that show for `answers` (in their order): those without a condition, and those whose
    condition's variable shows and has the value."""
    variables = sorted(variables, key=lambda v: (v.order, v.pk or 0))
    by_pk = {variable.pk: variable for variable in variables}
    visible: dict[int, bool] = {}

    def is_shown(variable: Variable, depth: int = 0) -> bool:
        if variable.pk in visible:
            return visible[variable.pk]
        result = True
        parent = by_pk.get(variable.show_when_id) if variable.show_when_id else None
        if variable.show_when_id and (parent is None or depth > 20):
            result = False  # a condition on another item's field, or a loop: never shown
        elif parent is not None:
            result = is_shown(parent, depth + 1) and matches(parent, answers.get(parent.name), variable.show_when_value)
        visible[variable.pk] = result
        return result

    return [variable for variable in variables if is_shown(variable)]


def matches(variable: Variable, raw: Any, wanted: str) -> bool:
    """Whether the answer `raw` of `variable` is `wanted` (a multiple choice: contains it; yes/no: "yes"/"no")."""
    if variable.var_type == VariableType.MULTI_CHOICE:
        values = raw if isinstance(raw, list) else [raw] if raw not in (None, "") else []
        return wanted in [str(value) for value in values]
    if variable.var_type == VariableType.BOOLEAN:
        return as_bool(raw) == (wanted.strip().lower() in TRUE_WORDS)
    return str(raw if raw is not None else "").strip() == wanted


def as_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = str(raw if raw is not None else "").strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list) and not raw)


def clean_value(variable: TypedField, raw: Any, *, people: Any = None) -> Any:
    """The stored value of one answer, or ValidationError with what is wrong, in words."""
    kind = variable.var_type
    if kind in (VariableType.TEXT, VariableType.TEXTAREA):
        if not isinstance(raw, str):
            raise ValidationError("Write text here.")
        text = raw.strip()
        least = int(variable.min_value) if variable.min_value is not None else 0
        most = min(int(variable.max_value), TEXT_MAX[kind]) if variable.max_value is not None else TEXT_MAX[kind]
        if len(text) < least:
            raise ValidationError(f"At least {least} characters.")
        if len(text) > most:
            raise ValidationError(f"At most {most} characters.")
        if variable.pattern and not re.fullmatch(variable.pattern, text):
            raise ValidationError(variable.pattern_message or "This is not in the expected form.")
        return text
    if kind == VariableType.NUMBER:
        try:
            number = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError("Enter a number.") from None
        if not number.is_finite():
            raise ValidationError("Enter a number.")
        if variable.min_value is not None and number < variable.min_value:
            raise ValidationError(f"At least {variable.min_value.normalize():f}.")
        if variable.max_value is not None and number > variable.max_value:
            raise ValidationError(f"At most {variable.max_value.normalize():f}.")
        return f"{number.normalize():f}"
    if kind == VariableType.DATE:
        value = raw if isinstance(raw, date) and not isinstance(raw, datetime) else parse_iso(parse_date, raw)
        if value is None:
            raise ValidationError("Enter a date (YYYY-MM-DD).")
        return value.isoformat()
    if kind == VariableType.DATETIME:
        value = raw if isinstance(raw, datetime) else parse_iso(parse_datetime, raw)
        if value is None:
            raise ValidationError("Enter a date and time (YYYY-MM-DDTHH:MM).")
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.isoformat()
    if kind == VariableType.BOOLEAN:
        value = as_bool(raw)
        if value is None:
            raise ValidationError("Answer yes or no.")
        return value
    if kind == VariableType.CHOICE:
        if str(raw) not in variable.choice_list():
            raise ValidationError(f"Choose one of: {', '.join(variable.choice_list())}.")
        return str(raw)
    if kind == VariableType.MULTI_CHOICE:
        values = raw if isinstance(raw, list) else [raw]
        unknown = [str(value) for value in values if str(value) not in variable.choice_list()]
        if unknown:
            raise ValidationError(f"Not a choice: {', '.join(unknown)}.")
        return [choice for choice in variable.choice_list() if choice in {str(value) for value in values}]
    if kind == VariableType.USER:
        pk = str(raw).strip()
        person = people.filter(pk=int(pk)).first() if pk.isdigit() and people is not None else None
        if person is None:
            raise ValidationError("Choose a person.")
        return person.pk
    if kind == VariableType.ATTACHMENT:
        return as_upload(raw)
    raise ValidationError("This field cannot be answered.")


def as_upload(raw: Any) -> UploadedFile:
    """A file answer: an upload from the portal, or {"name", "content_base64"[, "content_type"]} from the API;
    refused in words when it is not a file, empty or too large."""
    from core import limits
    from core.services import validate_upload

    if isinstance(raw, UploadedFile):
        upload = raw
    elif isinstance(raw, Mapping) and isinstance(raw.get("name"), str) and isinstance(raw.get("content_base64"), str):
        encoded = raw["content_base64"]
        name = raw["name"].replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "attachment"
        size = len(encoded) * 3 // 4 - encoded[-2:].count("=")
        if size > limits.attachment_max_bytes():  # refused before decoding, in the words of any upload
            try:
                validate_upload(cast(UploadedFile, SimpleNamespace(name=name, size=size)))
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The file's content_base64 is not base 64.") from None
        content_type = raw.get("content_type") if isinstance(raw.get("content_type"), str) else ""
        upload = SimpleUploadedFile(name, content, content_type=content_type or "application/octet-stream")
    else:
        raise ValidationError('Choose a file (through the API: {"name": ..., "content_base64": ...}).')
    try:
        validate_upload(upload)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    return upload


def parse_iso(parse: Any, raw: Any) -> Any:
    try:
        return parse(str(raw).strip()) if raw is not None else None
    except ValueError:
        return None


def validate(variables: Iterable[Variable], answers: Mapping[str, Any], *, people: Any = None) -> dict[str, Any]:
    """The stored answers of a form, or ValidationError {field name: [message]}: unknown fields, a required field
    left empty, a value of the wrong kind. Only the variables that show are read and kept; the others' answers are
    ignored (a hidden field is neither required nor stored)."""
    variables = list(variables)
    known = {variable.name for variable in variables}
    errors: dict[str, list[str]] = {name: ["Unknown field."] for name in answers if name not in known}
    cleaned: dict[str, Any] = {}
    for variable in shown(variables, answers):
        raw = answers.get(variable.name)
        if empty(raw) and variable.var_type != VariableType.BOOLEAN:
            if variable.required:
                errors[variable.name] = ["This field is required."]
            continue
        if variable.var_type == VariableType.BOOLEAN and raw is None:
            if variable.required:
                errors[variable.name] = ["This field is required."]
            continue
        try:
            cleaned[variable.name] = clean_value(variable, raw, people=people)
        except ValidationError as exc:
            errors[variable.name] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned
