"""The catalog in the Django admin: services, categories, and items with their forms (variables and their
conditions) and fulfilment plans."""

from typing import Any

from django import forms
from django.contrib import admin

from accounts.roles import Role
from catalog.models import CatalogCategory, CatalogItem, FulfilmentStep, Service, Variable


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "criticality", "owner_team", "support_team", "active"]
    list_filter = ["criticality", "active", "support_team"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]


@admin.register(CatalogCategory)
class CatalogCategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "icon", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"slug": ["name"]}


class VariableInline(admin.StackedInline):
    """An item's form: its fields in order, each with its type, checks and the condition that shows it."""

    model = Variable
    fk_name = "item"
    extra = 0
    fields = [("order", "name", "label", "var_type", "required"), ("help_text", "default"),
              ("min_value", "max_value", "pattern", "pattern_message"), "choices", ("show_when", "show_when_value")]


class FulfilmentStepInline(admin.TabularInline):
    """The item's fulfilment plan: tasks by stage (a stage's tasks in parallel, the stages in order)."""

    model = FulfilmentStep
    extra = 0
    fields = ["stage", "order", "title", "team", "instructions"]


class CatalogItemForm(forms.ModelForm):
    """The roles who may order an item, as ticks of the roles' names (stored as their codes)."""

    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="With “People with some roles”: the roles that may order it.")

    class Meta:
        model = CatalogItem
        fields = ["name", "slug", "category", "item_type", "short_description", "description", "audience",
                  "organizations", "roles", "delivery_days", "price", "service", "order", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["roles"] = [role for role in (self.instance.roles or "").split(",") if role]

    def clean_roles(self) -> str:
        return ",".join(self.cleaned_data["roles"])


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    form = CatalogItemForm
    list_display = ["name", "category", "item_type", "audience", "delivery_days", "active"]
    list_filter = ["category", "item_type", "active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "short_description"]
    filter_horizontal = ["organizations"]
    inlines = [VariableInline, FulfilmentStepInline]
