"""A faster `to_representation` for read serializers, with DRF's exact output (tests compare the two).

DRF's `Serializer.to_representation` asks every field, for every row, to find its attribute through the general
`get_attribute` (source paths, mappings, callables, defaults) and then to convert it; a nested serializer does
the same again for `{"id", "name"}`. For a list of 50 tickets that is ~1,500 field calls and ~300 nested
serializer passes: about a fifth of the API list's Python time at 1M tickets (bench/RESULTS.md).

`PlannedRepresentationMixin` plans each readable field once per serializer instance (a list's child serves
every row) and then reads plain attributes directly:
- a plain field (character, integer, boolean, choice, date-time...) with a one-step source: the attribute,
  converted by the field's own `to_representation` (or `str`/`int`, which is what those fields do);
- a nested serializer over a one-step source: the nested plan applied to the related object, or None;
- a `SerializerMethodField`: its method;
- anything else (many=True, dotted sources, related fields, `source="*"` serializers): DRF's own path.
When a fast read meets anything unusual (a callable attribute, a missing attribute, an exception), that field
is computed by DRF's path instead, so errors, defaults and skipped fields behave exactly as in DRF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_MISSING = object()
_SKIP = object()

# Field classes whose to_representation is exactly str() / int() of a non-None value (DRF 3.x).
_AS_STR = {drf_fields.CharField, drf_fields.EmailField, drf_fields.SlugField, drf_fields.URLField}
_AS_INT = {drf_fields.IntegerField}
# Field classes whose to_representation depends on the value only (no request, no parent).
_PLAIN = (drf_fields.BooleanField, drf_fields.ChoiceField, drf_fields.DateTimeField, drf_fields.DateField,
          drf_fields.DecimalField, drf_fields.FloatField, drf_fields.DurationField, drf_fields.UUIDField,
          drf_fields.ReadOnlyField, drf_fields.CharField, drf_fields.IntegerField)


def drf_value(field: Any, instance: Any) -> Any:
    """One field's value exactly as DRF's Serializer.to_representation computes it; _SKIP when DRF leaves the
    field out (a SkipField from reading the attribute: one raised while converting it goes up, as in DRF)."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return _SKIP
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)


# A plan step: (name, kind, attribute, convert, field). PLAIN: the attribute converted; NESTED: the nested plan
# (`convert`) applied to the related object; CALL: `convert(instance)` (a method field, or DRF's own path);
# INSTANT: an aware date-time in the current time zone, ISO 8601 (DateTimeField's own output, with the zone read
# once per object instead of once per field).
PLAIN, NESTED, CALL, INSTANT = 0, 1, 2, 3
Step = tuple[str, int, str, Any, Any]
Plan = list[Step]


def _step(field: Any) -> Step:
    name = field.field_name
    one_step = len(field.source_attrs) == 1
    attr = field.source_attrs[0] if one_step else ""
    if isinstance(field, serializers.SerializerMethodField):
        return (name, CALL, "", getattr(field.parent, field.method_name), field)
    if isinstance(field, serializers.BaseSerializer):
        if one_step and isinstance(field, serializers.Serializer) and type(field).to_representation in (
                serializers.Serializer.to_representation, PlannedRepresentationMixin.to_representation):
            return (name, NESTED, attr, field_plan(field), field)
    elif one_step and _is_iso_instant(field):
        return (name, INSTANT, attr, field.to_representation, field)
    elif one_step and isinstance(field, _PLAIN) and type(field).to_representation is _representation_of(field):
        convert = str if type(field) in _AS_STR else int if type(field) in _AS_INT else field.to_representation
        return (name, PLAIN, attr, convert, field)
    return (name, CALL, "", lambda instance: drf_value(field, instance), field)


def _is_iso_instant(field: Any) -> bool:
    """A DateTimeField as DRF writes it by default: ISO 8601 in the current time zone."""
    return (isinstance(field, drf_fields.DateTimeField) and settings.USE_TZ and not hasattr(field, "timezone")
            and type(field).to_representation is drf_fields.DateTimeField.to_representation
            and type(field).enforce_timezone is drf_fields.DateTimeField.enforce_timezone
            and type(field).default_timezone is drf_fields.DateTimeField.default_timezone
            and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601)


def _instant(value: Any, zone: Any, field: Any) -> Any:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        return field.to_representation(value)  # naive, or a date: DRF's own handling
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return field.to_representation(value)  # DRF's error
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _representation_of(field: Any) -> Any:
    """The to_representation of the DRF class the field is (or derives from without overriding it)."""
    for klass in type(field).__mro__:
        if klass.__module__ == drf_fields.__name__ and "to_representation" in vars(klass):
            return vars(klass)["to_representation"]
    return None


def field_plan(serializer: Any) -> Plan:
    """A step for each readable field of a serializer instance."""
    return [_step(field) for field in serializer._readable_fields]


def represent(plan: Plan, instance: Any, zone: Any = None) -> dict[str, Any]:
    """What DRF's Serializer.to_representation returns for `instance` (`zone`: the current time zone)."""
    if zone is None:
        zone = timezone.get_current_timezone()
    out: dict[str, Any] = {}
    for name, kind, attr, convert, field in plan:
        if kind == CALL:
            result = convert(instance)
        else:
            try:
                value = getattr(instance, attr)
            except Exception:  # AttributeError, ObjectDoesNotExist...: DRF decides (None, default, skip, raise)
                value = _MISSING
            if value is _MISSING or callable(value):
                result = drf_value(field, instance)
            elif value is None:
                result = None
            elif kind == PLAIN:
                result = convert(value)
            elif kind == INSTANT:
                result = _instant(value, zone, field)
            else:
                result = represent(convert, value, zone)
        if result is not _SKIP:
            out[name] = result
    return out


class PlannedRepresentationMixin:
    """Serializes with a plan made once per serializer instance (see the module's docstring)."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = field_plan(self)
        return represent(plan, instance)
