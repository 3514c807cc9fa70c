"""Forms of capacity management: a metric (managers), the desk's capacity of a team (managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from capacity.models import DeskCapacity, Metric
from catalog.models import Service
from cmdb.forms import find_ci


class MetricForm(forms.ModelForm):
    """A metric of a configuration item (named as on the CMDB: "fs-01" or "fs-01 (Server)") or of a service."""

    ci_name = forms.CharField(label="Configuration item", required=False, max_length=250,
                              help_text="Its name, e.g. fs-01 (or name the service instead).")
    service = forms.ModelChoiceField(queryset=Service.objects.filter(active=True).order_by("name"), required=False,
                                     empty_label="—", help_text="Or the service it measures.")

    class Meta:
        model = Metric
        fields = ["name", "unit", "capacity", "warning_pct", "critical_pct", "service", "window_days",
                  "alert_within_days", "description"]

    field_order = ["name", "unit", "capacity", "ci_name", "service", "warning_pct", "critical_pct", "window_days",
                   "alert_within_days", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.ci_id and not self.is_bound:
            self.initial["ci_name"] = self.instance.ci.name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, service = (data.get("ci_name") or "").strip(), data.get("service")
        if name and service:
            raise ValidationError("Attach the metric to a configuration item or to a service, not both.")
        if not name and not service:
            self.add_error("ci_name", "Name the configuration item, or choose a service.")
            return data
        self.instance.ci = None
        if name:
            try:
                self.instance.ci = find_ci(name, "ci_name")
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class DeskCapacityForm(forms.ModelForm):
    class Meta:
        model = DeskCapacity
        fields = ["open_per_agent"]
