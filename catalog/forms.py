"""The forms that build the catalog (the catalog builder and the Django admin share them): an item, a field of its
form, an approval step, a task of its fulfilment plan. Each refuses, with the field named, what would make an item
that cannot be ordered or fulfilled."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import slugify

from accounts.roles import Role
from catalog.choices import Approver
from catalog.grants import RESERVED_NAMES
from catalog.models import (
    ApprovalStep,
    CatalogCategory,
    CatalogItem,
    FulfilmentStep,
    ItemType,
    Variable,
    VariableType,
)
from core.models import ApprovalRule

CHOICE_TYPES = (VariableType.CHOICE, VariableType.MULTI_CHOICE)
PICTURE_MAX_BYTES = 2 * 1024 * 1024
PICTURE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


class CatalogItemForm(forms.ModelForm):
    """An item: what it is, who may order it (the roles as ticks of their names, stored as their codes), how long
    it takes, what it costs; an access item names its system."""

    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="With “People with some roles”: the roles that may order it.")

    class Meta:
        model = CatalogItem
        fields = ["name", "slug", "category", "item_type", "access_system", "short_description", "description",
                  "picture", "audience", "organizations", "roles", "delivery_days", "price", "service", "order",
                  "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"slug": "Address", "order": "Place in its category", "item_type": "Kind of item"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["roles"] = [role for role in (self.instance.roles or "").split(",") if role]
        for name, empty in (("access_system", "No system"), ("service", "No service")):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.empty_label = empty
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Its address in the portal (made from the name when left empty)."

    def clean_roles(self) -> str:
        return ",".join(self.cleaned_data["roles"])

    def clean_picture(self) -> Any:
        picture = self.cleaned_data.get("picture")
        image = getattr(picture, "image", None)  # set by ImageField on a new upload: Pillow read it
        if image is None:
            return picture
        if picture.size > PICTURE_MAX_BYTES:
            raise forms.ValidationError("A picture may be at most 2 MB.")
        if image.format not in PICTURE_FORMATS:
            raise forms.ValidationError("Use a PNG, JPEG, WebP or GIF picture.")
        picture.name = f"picture.{image.format.lower()}"  # served with the type Pillow found, not the name's
        return picture

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.data.get(self.add_prefix("name"), ""))[:120]
        if not slug:
            raise forms.ValidationError("Give the item a name.")
        if CatalogItem.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another item has this address: choose another.")
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("item_type") == ItemType.ACCESS and not data.get("access_system"):
            self.add_error("access_system", "An access item grants access to a system: choose it.")
        if data.get("item_type") != ItemType.ACCESS and data.get("access_system"):
            self.add_error("access_system", "Only an item of type “Access to a system or group” names a system.")
        return data


class CategoryForm(forms.ModelForm):
    """A category of the catalog: its name, its place (under another), its icon."""

    class Meta:
        model = CatalogCategory
        fields = ["name", "parent", "icon", "description", "order", "active"]
        labels = {"parent": "Inside", "order": "Place"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.empty_label = "At the top"
        parent.queryset = CatalogCategory.objects.filter(parent__isnull=True).exclude(pk=self.instance.pk)

    def save(self, commit: bool = True) -> CatalogCategory:
        category = super().save(commit=False)
        if not category.slug:
            base = slugify(category.name)[:100] or "category"
            slug, n = base, 1
            while CatalogCategory.objects.filter(slug=slug).exclude(pk=category.pk).exists():
                n += 1
                slug = f"{base}-{n}"
            category.slug = slug
        if commit:
            category.save()
        return category


class VariableForm(forms.ModelForm):
    """A field of an item's form. Its key (`name`) is made from the label when left empty; a condition names an
    earlier field of the same item and one of its values."""

    class Meta:
        model = Variable
        fields = ["label", "var_type", "required", "help_text", "default", "choices", "min_value", "max_value",
                  "pattern", "pattern_message", "show_when", "show_when_value", "name"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}
        labels = {"name": "Key", "show_when": "Show only when", "show_when_value": "has the value"}

    def __init__(self, *args: Any, item: CatalogItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        others = item.variables.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        field = self.fields["show_when"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = others
        field.empty_label = "Always shown"
        self.fields["name"].required = False
        self.fields["name"].help_text = "Its key in the API and the stored answers (made from the label when empty)."

    def clean_name(self) -> str:
        name = self.cleaned_data.get("name") or slugify(self.data.get(self.add_prefix("label"), "")).replace(
            "-", "_")[:60]
        if not name:
            raise forms.ValidationError("Give the field a label.")
        if name in RESERVED_NAMES:
            raise forms.ValidationError("This key belongs to the built-in fields of access items.")
        if self.item.variables.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another field of this item has this key.")
        return name

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data.get("pattern") or ""
        try:
            re.compile(pattern)
        except re.error as exc:
            raise forms.ValidationError(f"Not a regular expression: {exc}.") from None
        return pattern

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("var_type")
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", "The greatest value is below the least.")
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        if kind in CHOICE_TYPES and not lines:
            self.add_error("choices", "List the choices, one per line.")
        if kind in CHOICE_TYPES and data.get("default") and data["default"] not in lines:
            self.add_error("default", "The default must be one of the choices.")
        parent, wanted = data.get("show_when"), (data.get("show_when_value") or "").strip()
        if parent is not None and not wanted:
            self.add_error("show_when_value", "Say which value of that field shows this one.")
        if parent is None and wanted:
            self.add_error("show_when", "Choose the field whose value shows this one.")
        if parent is not None and wanted:
            if parent.var_type in CHOICE_TYPES and wanted not in parent.choice_list():
                self.add_error("show_when_value", f"{parent.label} offers: {', '.join(parent.choice_list())}.")
            if parent.var_type == VariableType.BOOLEAN and wanted.lower() not in ("yes", "no"):
                self.add_error("show_when_value", f"{parent.label} is a yes / no field: write yes or no.")
            if self.instance.pk and depends_on(parent, self.instance.pk):
                self.add_error("show_when", f"{parent.label} already depends on this field.")
        data["show_when_value"] = wanted
        return data


def depends_on(variable: Variable, pk: int) -> bool:
    """Whether `variable` is shown by the variable `pk`, directly or through others."""
    seen: set[int] = set()
    current: Variable | None = variable
    while current is not None and current.show_when_id and current.pk not in seen:
        if current.show_when_id == pk:
            return True
        seen.add(current.pk)
        current = current.show_when
    return False


class ApprovalStepForm(forms.ModelForm):
    class Meta:
        model = ApprovalStep
        fields = ["approver", "group", "rule"]
        labels = {"approver": "Who approves", "group": "Approver group", "rule": "How the group decides"}

    def __init__(self, *args: Any, item: CatalogItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["rule"].initial = ApprovalRule.ANY
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.empty_label = "No group"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("approver") == Approver.GROUP and not data.get("group"):
            self.add_error("group", "Choose the approver group.")
        if data.get("approver") != Approver.GROUP:
            data["group"] = None
        if data.get("approver") == Approver.SYSTEM_OWNER and self.item.item_type != ItemType.ACCESS:
            self.add_error("approver", "Only an access item has a system owner.")
        return data


class FulfilmentStepForm(forms.ModelForm):
    class Meta:
        model = FulfilmentStep
        fields = ["stage", "title", "team", "instructions"]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 2})}
        labels = {"team": "Team"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.empty_label = "The requested item's team"
