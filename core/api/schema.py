"""The OpenAPI schema, true for every role: what drf-spectacular cannot infer from serializers alone.

`AutoSchema` (settings: REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to each operation:

- the error answers it can give, each with the JSON body of core.api.exceptions / core.api.errors:
  400 (input: `{"field": ["message"]}`, or `{"detail"}` for a body that cannot be parsed) where there is input,
  401 where the view authenticates, 403 where a role rule or CSRF can refuse, 404 where the path names an object,
  409 where a write carries `version`, 415 where there is a body, 429 where a throttle applies (with
  `Retry-After`), and 503 everywhere (the database is unreachable, with `Retry-After`). A view lists further
  codes per method in `extra_error_statuses` (e.g. `{"GET": {403}}` for a desk-only list);
- the empty string (and null) among the values of a read-only choice field whose model field allows it: DRF drops
  `allow_blank` from read-only model fields, so drf-spectacular would document `hold_reason` without the "" that
  every incident not on hold answers;
- times of day as they are read and written (`09:00:00`, no UTC offset): OpenAPI's `format: time` is RFC 3339's
  full-time, which requires an offset that DRF's TimeField never writes;
- response fields that some roles do not get: a serializer names them in `Meta.role_dependent_fields` (and
  drops them for end users with `RoleDependentFieldsMixin`); the schema keeps them but not as required.

412 (no conditional requests) and 413 (a too-large upload is a 400 naming the field) are never answered.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
CONFLICT = "Conflict"

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR: {
        "type": "object",
        "properties": {"detail": {"type": "string", "description": "What went wrong, in words."}},
        "required": ["detail"],
        "description": "An error that concerns no single field.",
    },
    VALIDATION_ERROR: {
        "type": "object",
        "additionalProperties": {"anyOf": [
            {"type": "array", "items": {}, "description": "The messages of the field (objects for nested rows)."},
            {"type": "object", "description": "The errors of a nested object, by field."},
            {"type": "string", "description": "`detail`: a body that could not be read."},
        ]},
        "description": 'Refused input: each field\'s messages (`{"title": ["This field is required."]}`); '
                       "`non_field_errors` for the input as a whole; `{\"detail\": ...}` when the body cannot be read.",
    },
    CONFLICT: {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "What conflicts, in words."},
            "current_version": {"type": "integer", "description": "On a stale `version`: the version now."},
        },
        "required": ["detail"],
        "description": "The request conflicts with the current state (a stale `version`, or an object in use).",
    },
}

RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}

ERRORS: dict[int, tuple[str, str, dict[str, Any]]] = {  # status: (component, description, headers)
    400: (VALIDATION_ERROR, "Invalid input.", {}),
    401: (ERROR, "Not authenticated: no credentials, or an unknown or revoked token.", {}),
    403: (ERROR, "Refused: the caller's role does not allow it (or a session request lacks its CSRF token).", {}),
    404: (ERROR, "No such object that the caller can see.", {}),
    409: (CONFLICT, "Conflict: the object changed since it was read (`current_version`), or it is in use.", {}),
    415: (ERROR, "Unsupported media type of the request body.", {}),
    422: (ERROR, "The Idempotency-Key was already used with a different request.", {}),
    429: (ERROR, "Too many requests: throttled.", RETRY_AFTER),
    503: (ERROR, "The database is unavailable; nothing was done. Try again later.", RETRY_AFTER),
}

PLAIN_PERMISSIONS = (AllowAny, IsAuthenticated)
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def role_dependent_fields(serializer: Any) -> frozenset[str]:
    """The response fields `serializer` leaves out for some roles (its `Meta.role_dependent_fields`)."""
    meta = getattr(serializer, "Meta", None)
    return frozenset(getattr(meta, "role_dependent_fields", ()))


def model_field_of(field: serializers.Field) -> models.Field | None:
    """The model field a ModelSerializer's field reads (following `source` across relations), if any."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    target = None
    source = field.source if isinstance(field.source, str) else ""
    for name in source.split(".") if source and source != "*" else ():
        if model is None:
            return None
        try:
            target = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        model = target.related_model
    return target


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus error answers and role-dependent fields (see the module docstring)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in sorted(self.error_statuses(operation)):
            component, description, headers = ERRORS[status]
            response = responses.setdefault(str(status), {"description": description})
            if "content" not in response:
                response["content"] = {"application/json": {"schema": self.error_component(component).ref}}
            if headers:
                response.setdefault("headers", {}).update(headers)
        return operation

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """The error codes this operation can answer (see the module docstring)."""
        statuses = {503} | {int(code) for code in operation.get("responses", {}) if int(code) in ERRORS}
        has_body = "requestBody" in operation
        if has_body or any(p["in"] != "path" for p in operation.get("parameters", [])):
            statuses.add(400)
        if has_body:
            statuses.add(415)
        if self.view.get_authenticators():
            statuses.add(401)
        if self._may_refuse():
            statuses.add(403)
        if "{" in self.path:
            statuses.add(404)
        if self._carries_version():
            statuses.add(409)
        if getattr(self.view, "throttle_classes", None):
            statuses.add(429)
        statuses |= set(getattr(self.view, "extra_error_statuses", {}).get(self.method, ()))
        return statuses

    def _may_refuse(self) -> bool:
        """403: a permission beyond "signed in", or a write under session authentication (CSRF)."""
        if any(not isinstance(p, PLAIN_PERMISSIONS) for p in self.view.get_permissions()):
            return True
        sessions = any(isinstance(a, SessionAuthentication) for a in self.view.get_authenticators())
        return sessions and self.method not in SAFE_METHODS

    def _carries_version(self) -> bool:
        """409: a write of an existing object that accepts the `version` the client read."""
        if self.method in SAFE_METHODS or self._is_create_operation():
            return False
        serializer = self.get_request_serializer()
        fields = getattr(force_instance(serializer), "fields", {}) if serializer is not None else {}
        return "version" in fields

    def error_component(self, name: str) -> ResolvedComponent:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                      schema=ERROR_SCHEMAS[name])
        self.registry.register_on_missing(component)
        return component

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and isinstance(field, serializers.ChoiceField) and field.read_only:
            stored = model_field_of(field)
            if stored is not None:  # this schema-only instance says what the column may hold
                field.allow_blank = field.allow_blank or stored.blank
                field.allow_null = field.allow_null or stored.null
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema.update(pattern=TIME_OF_DAY, example="09:00:00")
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        optional = role_dependent_fields(serializer)
        if direction == "response" and optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
            note = f"Not shown to end users: {', '.join(sorted(optional & set(schema['properties'])))}."
            schema["description"] = f"{schema['description']}\n\n{note}" if schema.get("description") else note
        return schema
