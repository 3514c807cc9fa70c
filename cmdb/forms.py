"""The CMDB's forms: a CI's fields, its class's attributes (typed fields built from the class), a relationship to
another CI (named as people know it: "esx-01", or "esx-01 (Server)" when names repeat across classes), and the
CI a ticket affects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Team
from catalog.models import Service
from cmdb.choices import INVERSE_LABELS, CIStatus, Environment, RelationKind
from cmdb.models import CIClass, ConfigurationItem
from core.ticket_forms import long_text

YES_NO = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]


class CIForm(forms.Form):
    """A CI's own fields."""

    name = forms.CharField(max_length=200)
    ci_class = forms.ModelChoiceField(CIClass.objects.all(), label="Class")
    status = forms.ChoiceField(choices=CIStatus.choices)
    environment = forms.ChoiceField(choices=Environment.choices)
    owner_team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, label="Owner team")
    support_team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, label="Support team")
    location = forms.CharField(max_length=200, required=False)
    serial_number = forms.CharField(max_length=100, required=False, label="Serial number")
    asset_tag = forms.CharField(max_length=100, required=False, label="Asset tag")
    services = forms.ModelMultipleChoiceField(Service.objects.filter(active=True).order_by("name"), required=False,
                                              help_text="The services it supports.",
                                              widget=forms.SelectMultiple(attrs={"size": 4}))
    description = long_text("Description", rows=3)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def initial_of(ci: ConfigurationItem) -> dict[str, Any]:
        return {"name": ci.name, "ci_class": ci.ci_class_id, "status": ci.status, "environment": ci.environment,
                "owner_team": ci.owner_team_id, "support_team": ci.support_team_id, "location": ci.location,
                "serial_number": ci.serial_number, "asset_tag": ci.asset_tag, "description": ci.description,
                "services": [service.pk for service in ci.services.all()], "version": ci.version}


class AttributesForm(forms.Form):
    """The attributes of one class, as typed form fields named `attr_<name>`; `values()` gives them by name, as
    cmdb.services validates them."""

    def __init__(self, *args: Any, ci_class: CIClass, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attributes = list(ci_class.attributes.all())
        for attribute in self.attributes:
            self.fields[f"attr_{attribute.name}"] = self.field_for(attribute)

    @staticmethod
    def field_for(attribute: Any) -> forms.Field:
        common = {"label": attribute.label, "required": False, "help_text": attribute.help_text}
        if attribute.var_type == "textarea":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
        if attribute.var_type == "number":
            return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
        if attribute.var_type == "date":
            return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        if attribute.var_type == "boolean":
            return forms.ChoiceField(choices=YES_NO, **common)
        if attribute.var_type == "choice":
            return forms.ChoiceField(choices=[("", "Not recorded"), *((c, c) for c in attribute.choice_list())],
                                     **common)
        return forms.CharField(**common)

    @staticmethod
    def initial_of(ci: ConfigurationItem) -> dict[str, Any]:
        out = {}
        for name, value in (ci.attributes or {}).items():
            out[f"attr_{name}"] = ("yes" if value else "no") if isinstance(value, bool) else value
        return out

    def values(self) -> dict[str, Any]:
        return {attribute.name: self.cleaned_data.get(f"attr_{attribute.name}") or ""
                for attribute in self.attributes}

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's attribute errors (attributes.<name>) on their fields; the others are the CI form's."""
        for key, messages in exc.message_dict.items():
            if not key.startswith("attributes."):
                continue
            name = f"attr_{key.removeprefix('attributes.')}"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def relation_choices() -> list[tuple[str, str]]:
    """Both readings of every kind: "runs on" (this CI -> the other), "runs" (the other -> this CI)."""
    return [*RelationKind.choices, *((f"inverse:{kind}", label) for kind, label in INVERSE_LABELS.items())]


def find_ci(text: str, field: str = "target") -> ConfigurationItem:
    """The CI named `text` ("esx-01", or "esx-01 (Server)"), else a ValidationError on `field` that says why."""
    text = " ".join(text.split())
    name, class_name = text, ""
    if text.endswith(")") and " (" in text:
        name, class_name = text[:-1].rsplit(" (", 1)
    found = ConfigurationItem.objects.filter(name__iexact=name).select_related("ci_class")
    if class_name:
        found = found.filter(ci_class__name__iexact=class_name)
    rows = list(found[:6])
    if not rows:
        raise ValidationError({field: [f"No configuration item named “{text}”."]})
    if len(rows) > 1:
        raise ValidationError({field: [f"Several configuration items are named “{name}”: write it with its class, "
                                       f"e.g. “{rows[0].name} ({rows[0].ci_class.name})”."]})
    return rows[0]


class RelateForm(forms.Form):
    kind = forms.ChoiceField(choices=relation_choices, label="This configuration item…")
    other = forms.CharField(max_length=300, label="Configuration item",
                            widget=forms.TextInput(attrs={"placeholder": "e.g. esx-01", "autocomplete": "off"}))


class AffectForm(forms.Form):
    ci = forms.CharField(max_length=300, label="Configuration item",
                         widget=forms.TextInput(attrs={"placeholder": "e.g. esx-01", "autocomplete": "off"}))


class FilterForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Name")
    ci_class = forms.ModelChoiceField(CIClass.objects.all(), required=False, label="Class",
                                      empty_label="Every class")
    status = forms.ChoiceField(choices=[("", "Any status"), *CIStatus.choices], required=False)
    environment = forms.ChoiceField(choices=[("", "Any environment"), *Environment.choices], required=False)
