"""The catalog in the Django admin: services, categories, and items with their forms (variables and their
conditions) and fulfilment plans."""

from typing import Any

from django.contrib import admin

from catalog.forms import CatalogItemForm
from catalog.models import (
    AccessGrant,
    AccessSystem,
    ApprovalStep,
    CatalogCategory,
    CatalogItem,
    FulfilmentStep,
    Service,
    Variable,
)


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


class ApprovalStepInline(admin.TabularInline):
    """The approvals the item asks before it is prepared, in order (an access item ends with its system's owner
    even when not listed)."""

    model = ApprovalStep
    extra = 0
    fields = ["order", "approver", "group", "rule"]


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    form = CatalogItemForm
    list_display = ["name", "category", "item_type", "audience", "delivery_days", "active"]
    list_filter = ["category", "item_type", "active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "short_description"]
    filter_horizontal = ["organizations"]
    inlines = [VariableInline, ApprovalStepInline, FulfilmentStepInline]


@admin.register(AccessSystem)
class AccessSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "owner_group", "team", "max_days", "active"]
    list_filter = ["active", "team"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["owner"]


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    """The register is written by requests; an admin records access given before the register existed (active),
    and corrects an end date (a new end date is swept again when it passes)."""

    list_display = ["person", "system", "level", "state", "until", "granted_at", "requested_item"]
    list_filter = ["state", "system"]
    search_fields = ["person__username", "person__email", "person__last_name", "system__name"]
    autocomplete_fields = ["person"]
    fields = ["person", "system", "level", "until", "state"]

    def save_model(self, request: Any, obj: AccessGrant, form: Any, change: bool) -> None:
        if "until" in form.changed_data:
            obj.expiry_raised_at = None
        super().save_model(request, obj, form, change)
