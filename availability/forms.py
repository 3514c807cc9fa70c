"""The forms of the availability pages: an outage (record or adjust) and a service's availability target."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from availability.choices import Severity
from availability.models import AvailabilityTarget
from core.limits import TEXT_MAX_LENGTH


def instant(label: str, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, help_text=help_text, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class OutageForm(forms.Form):
    """An outage's start and end (in the reader's time zone), how bad it was and what happened."""

    start = instant("Start")
    end = instant("End", required=False, help_text="Leave empty while the outage lasts.")
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices, initial=Severity.FULL,
                                 help_text="A partial outage (degraded service) is shown but not counted as downtime.")
    description = forms.CharField(label="What happened", required=False, max_length=TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class TargetForm(forms.ModelForm):
    """A service's availability target in percent (its service-level agreement)."""

    target = forms.DecimalField(label="Availability target (%)", min_value=Decimal("0"), max_value=Decimal("100"),
                                max_digits=6, decimal_places=3, widget=forms.NumberInput(attrs={"step": "0.001"}))

    class Meta:
        model = AvailabilityTarget
        fields = ["target"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:  # "99.9", not "99.900"
            self.initial["target"] = format(self.instance.target.normalize(), "f")
