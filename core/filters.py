"""What every FilterSet shares (incident lists, SLA timers, the API and the agent queue pages).

- `InstantFilter`: an ISO 8601 date-time, checked and turned into a UTC instant before any query sees it; a
  UTC offset outside the range of real time zones (-12:00 to +14:00) or an instant out of range is a form error
  naming the field (a 400), never a database error.
- `StrictBooleanFilter`: true/false (also 1/0, yes/no, on/off); an empty value or `unknown` means "any"; any
  other value is a form error naming the field, never silently ignored.
- `describe_value` / `DateOrDateTimeInput`: how a filter's value reads to people (choice labels, names, Yes/No,
  dates in their time zone without seconds), never the raw value, a repr or a microsecond timestamp.
- `PersonMultipleChoiceFilter` / `PersonChoiceFilter`: id filters on people whose options read as names.
- `ScopedFilterSet`: a FilterSet that knows who asks. End users (and callers without a role) get only the
  filters listed in `end_user_filters` (the others are dropped: their parameters are ignored, whatever the
  value, like any unknown parameter), and `scope(user)` narrows the choices of the id filters to what the
  user may see, so an id they may not see is refused exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from django_filters.fields import ModelChoiceField as FilterModelChoiceField
from django_filters.fields import ModelMultipleChoiceField as FilterModelMultipleChoiceField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from accounts.roles import Role, has_role

# The UTC offsets real time zones use (Baker Island -12:00, Kiribati +14:00).
MIN_UTC_OFFSET = timedelta(hours=-12)
MAX_UTC_OFFSET = timedelta(hours=14)
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
ANY_WORDS = frozenset({"", "unknown"})


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds() // 60)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def utc_instant(value: datetime) -> datetime:
    """An aware date-time as the same instant in UTC.

    Raises ValueError (with a message for people) when its UTC offset is outside -12:00..+14:00 or when the
    instant cannot be represented (e.g. 0001-01-01T00:00:00+01:00).
    """
    offset = value.utcoffset()
    if offset is not None and not MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
        raise ValueError(f"The UTC offset {_offset_text(offset)} does not exist: time zones go from "
                         f"{_offset_text(MIN_UTC_OFFSET)} to {_offset_text(MAX_UTC_OFFSET)}.")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("This date-time is out of range.") from exc


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time (a date alone means its midnight, in the current time zone), cleaned to UTC."""

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return utc_instant(result)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class InstantFilter(django_filters.IsoDateTimeFilter):
    """IsoDateTimeFilter whose value is checked and turned into UTC (see InstantField)."""

    field_class = InstantField


def parse_boolean(value: Any) -> bool | None:
    """True, False, or None for "any" (empty, `unknown`); ValueError for anything else."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if word in ANY_WORDS:
        return None
    raise ValueError(word)


class BooleanChoiceSelect(forms.NullBooleanSelect):
    """A yes/no/any select that hands the raw value to the field (which refuses what it does not know)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str:  # type: ignore[override]  # one value, not a list
        try:
            parsed = parse_boolean(value)
        except ValueError:
            return "unknown"
        return "unknown" if parsed is None else ("true" if parsed else "false")


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false (1/0, yes/no, on/off), or nothing; any other value is an error naming the field."""

    widget = BooleanChoiceSelect
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # None: no answer
        try:
            return parse_boolean(value)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


def _person_label(user: Any) -> str:
    return getattr(user, "display_name", None) or str(user)


class PersonMultipleChoiceField(FilterModelMultipleChoiceField):
    """Options read as people's names ("Alex Agent"), not usernames."""

    def label_from_instance(self, obj: Any) -> str:
        return _person_label(obj)


class PersonChoiceField(FilterModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person_label(obj)


class PersonMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = PersonMultipleChoiceField


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


DATE_FORMAT = "j M Y"  # 3 Dec 2026
DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 17:26 (the reader's time zone, never seconds or microseconds)


def local_instant(value: Any) -> datetime | None:
    """An aware date-time (or ISO 8601 text of one) in the current time zone, or None when `value` is a day
    alone (a date, or text of one) or not a date-time at all. Naive date-times are taken in the current zone."""
    if isinstance(value, str):
        text = value.strip()
        if not text or parse_date(text) is not None:
            return None
        try:
            value = parse_datetime(text)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (ValueError, OverflowError):
            return None
    try:
        return timezone.localtime(value)
    except (ValueError, OverflowError):
        return None


def _flat_choices(choices: Iterable) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, label in choices:
        if isinstance(label, list | tuple):  # an option group
            flat.update(_flat_choices(label))
        else:
            flat[str(key)] = str(label)
    return flat


def describe_value(field: forms.Field, value: Any) -> str:
    """How a cleaned filter value reads to people: choice labels, people's names, Yes/No, and date-times in the
    reader's time zone to the minute. Several values are joined with commas; nothing reads as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        local = local_instant(value)
        return formats.date_format(local, DATETIME_FORMAT) if local is not None else ""
    if isinstance(value, date):
        return formats.date_format(value, DATE_FORMAT)
    if isinstance(value, models.Model):
        label_from_instance = getattr(field, "label_from_instance", None)
        return str(label_from_instance(value)) if label_from_instance else _person_label(value)
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return ", ".join(text for text in (describe_value(field, v) for v in value) if text)
    null_value = getattr(field, "null_value", None)
    null_label = getattr(field, "null_label", None)
    if null_value is not None and value == null_value and null_label:
        return str(null_label)
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return _flat_choices(cast(Iterable[Any], field.choices)).get(str(value), str(value))
    return str(value)


class DateOrDateTimeInput(forms.DateInput):
    """A date picker that keeps an instant it cannot show: a value with a time of day (an SLA dashboard
    drill-down, an API-style URL) renders as a `datetime-local` input in the reader's time zone, to the minute,
    instead of an empty date box that would drop the filter on the next submit."""

    input_type = "date"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        local = local_instant(value)
        if local is not None:
            if local.hour or local.minute or local.second or local.microsecond:
                context["widget"]["type"] = "datetime-local"
                context["widget"]["value"] = local.strftime("%Y-%m-%dT%H:%M")
            else:
                context["widget"]["value"] = local.date().isoformat()
        return context


_NARROWED: dict[tuple[type, frozenset[str]], Any] = {}  # ScopedFilterSet.only


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet for one caller: `user=` (or the `request`'s user); without either, the caller has no role.

    Subclasses list the filters end users may use in `end_user_filters` (filters on what end users see) and
    narrow the querysets of id filters in `scope(user)`.
    """

    end_user_filters: ClassVar[frozenset[str]] = frozenset()
    # filters generated from Meta.fields follow the same rules as the declared ones
    FILTER_DEFAULTS: ClassVar[dict] = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": InstantFilter},
    }

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: str | None = None,
                 user: Any = None) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        self.desk = has_role(self.user, Role.AGENT)
        if not self.desk:
            for name in [n for n in self.filters if n not in self.end_user_filters]:
                del self.filters[name]
        self.scope(self.user)

    @classmethod
    def only(cls, names: Iterable[str]) -> type[ScopedFilterSet]:
        """This FilterSet with only the filters `names` (made once per set of names): a saved queue applies two
        or three filters, and each FilterSet copies all of its ~20 filters and builds a form field for each."""
        key = (cls, frozenset(names))
        if key not in _NARROWED:
            narrowed: Any = type(f"{cls.__name__}Only", (cls,), {"__module__": cls.__module__})
            narrowed.base_filters = {name: f for name, f in cls.base_filters.items() if name in key[1]}
            _NARROWED[key] = narrowed
        return _NARROWED[key]

    def filter_queryset(self, queryset: Any) -> Any:
        """django-filter's, skipping the filters left empty: an empty multiple-choice value is an empty queryset
        that django-filter's `if not value` evaluated, compiling a query (no SQL) per unused id filter."""
        for name, value in self.form.cleaned_data.items():
            if value in EMPTY_VALUES or (isinstance(value, models.QuerySet) and value.query.is_empty()):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def scope(self, user: Any) -> None:
        """Narrow the id filters' querysets to what `user` may see (`self.filters[name].queryset = ...`)."""
