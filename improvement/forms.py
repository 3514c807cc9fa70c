"""Forms of the KPI dashboard (a target) and of the improvement register (an action)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from accounts.models import User
from accounts.roles import Role
from core.widgets import FastSelect
from improvement import kpis
from improvement.kpis.periods import current_month, parse_month
from improvement.models import ActionStatus

DESK_ROLES = [Role.AGENT, Role.MANAGER, Role.ADMIN]


def kpi_choices() -> list[tuple[str, str]]:
    return [(kpi.key, kpi.label) for kpi in kpis.registered()]


class TargetForm(forms.Form):
    """A KPI's target and amber band, in the KPI's unit."""

    kpi = forms.ChoiceField(label="KPI", choices=())
    target = forms.FloatField(label="Target", min_value=-1e9, max_value=1e9)
    amber_band = forms.FloatField(label="Amber band", min_value=0, max_value=1e9, required=False, initial=0,
                                  help_text="How far on the wrong side of the target is still amber.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kpi"]).choices = kpi_choices()


class MonthField(forms.CharField):
    """A month as YYYY-MM (an `<input type="month">`), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        try:
            month = parse_month(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if month > current_month():
            raise forms.ValidationError("The month cannot be in the future.")
        return month


class ActionForm(forms.Form):
    """An improvement action: what, owner, due date, status; on creation also the KPI and month it is about."""

    title = forms.CharField(label="What will be done", max_length=200)
    description = forms.CharField(label="Description", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(label="Owner", queryset=User.objects.none(), widget=FastSelect)
    due_date = forms.DateField(label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices, initial=ActionStatus.OPEN)
    kpi = forms.ChoiceField(label="KPI", choices=())
    month = MonthField(label="Month of the figure", max_length=7)

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = User.objects.filter(is_active=True, role__in=DESK_ROLES).order_by(
            "first_name", "last_name", "username")
        owner.label_from_instance = lambda user: user.display_name  # type: ignore[method-assign,assignment]
        cast(forms.ChoiceField, self.fields["kpi"]).choices = kpi_choices()
        if not creating:  # what an action is about does not change
            del self.fields["kpi"]
            del self.fields["month"]
