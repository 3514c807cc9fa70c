"""Form fields every kind's pages share: a ticket number typed by a person, the numbers of the rows ticked in a
queue, and a person chosen by name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

NUMBER_RE = re.compile(r"^[A-Z]{2,5}\d{4,12}$")
MAX_ROWS = 500


class TicketNumberField(forms.CharField):
    """A ticket number typed by a person: trimmed and upper-cased, refused (with the field named) when it cannot
    be one, before any query sees it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not NUMBER_RE.match(value):
            raise ValidationError("Type a ticket number, e.g. INC0001001 or PRB0001001.")


class TicketNumbersField(forms.Field):
    """The numbers of the rows ticked in a queue (at least one, at most MAX_ROWS)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[str]:
        one = TicketNumberField()
        numbers = list(dict.fromkeys(one.clean(v) for v in (value or []) if str(v).strip()))
        if not numbers:
            raise ValidationError("Tick at least one row.")
        if len(numbers) > MAX_ROWS:
            raise ValidationError(f"Tick at most {MAX_ROWS} rows at once.")
        return numbers


class PersonField(forms.ModelChoiceField):
    """People by their names."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)
