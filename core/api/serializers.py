"""Serializer helpers shared by every app's API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# One "NamedRef" component in the schema: accounts.api defined it first (its /me/ and /teams/ use it).
from accounts.api import NamedRefSerializer

__all__ = [
    "IGNORED_INPUT_KEYS", "NamedRefSerializer", "RoleDependentFieldsMixin", "StrictInputMixin", "UserRefSerializer",
    "inline_choice_field",
]

# Form fields a browser adds to a session-authenticated form post; never data.
IGNORED_INPUT_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictInputMixin:
    """Refuse input keys the serializer does not accept, naming each, instead of silently dropping them.

    DRF ignores unknown and read-only keys; for a ticket that would turn `{"priority": 1}` into a 200 that
    changed nothing. Set `read_only_names` to the names the API shows but never accepts: they are answered
    "This field is read-only."; anything else unknown is "Unknown field.".
    """

    read_only_names: frozenset[str] = frozenset()

    def to_internal_value(self, data: Any) -> Any:
        extra: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            for key in data:
                if key in writable or key in IGNORED_INPUT_KEYS:
                    continue
                known = key in self.read_only_names or key in self.fields  # type: ignore[attr-defined]
                extra[str(key)] = ["This field is read-only." if known else "Unknown field."]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if extra and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**extra, **exc.detail}) from exc
            raise
        if extra:
            raise serializers.ValidationError(extra)
        return value


class RoleDependentFieldsMixin:
    """Leave out `Meta.role_dependent_fields` when the serializer's context says the caller is an end user.

    The desk's own assessment and bookkeeping never reach end users. core.api.schema reads the same declaration
    and documents those fields as not required in responses, so the schema holds for every role.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.context.get("end_user"):  # type: ignore[attr-defined]
            hidden = frozenset(getattr(getattr(self, "Meta", None), "role_dependent_fields", ()))
            for name in hidden & set(self.fields):  # type: ignore[attr-defined]
                self.fields.pop(name)  # type: ignore[attr-defined]


class UserRefSerializer(serializers.Serializer):
    """A person read as `{"id", "name"}` (their full name, or username when they have none)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


def inline_choice_field(choices: list[tuple[Any, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField documented by an inline enum of its own rather than a shared, named enum component.

    drf-spectacular names enum components after the field, and warns when one name covers two choice sets
    (`kind` of a journal entry and of a link) or one choice set gets two names (impact and urgency). Wrapped
    in `allOf`, the enum stays machine-readable (values, and labels in the description) but is left out of
    that global naming, so the schema generates without warnings and without a settings entry per clash.
    """
    values = [value for value, _label in choices]
    enum = {"type": "integer" if all(isinstance(v, int) for v in values) else "string", "enum": values}
    schema = {"allOf": [enum], "description": "; ".join(f"`{value}`: {label}" for value, label in choices)}
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)
