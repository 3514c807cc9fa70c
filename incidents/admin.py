from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents.choices import State
from incidents.models import AssignmentRule, Category, Incident


class StateFilter(admin.SimpleListFilter):
    """Filter by state, offering the incident states by label (the shared ticket column has no choices)."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return State.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "parent", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["name"]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ["order", "category", "service", "team", "active"]
    list_editable = ["active"]
    list_filter = ["team", "active"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only here: incidents change through the workspace and the API, which journal every change."""

    list_display = ["number", "title", "state_label", "priority", "team", "assignee", "updated_at"]
    list_filter = [StateFilter, "priority", "team"]
    search_fields = ["number", "title"]
    list_select_related = ["team", "assignee"]
    readonly_fields = ["state_label"]
    show_full_result_count = False

    @admin.display(description="State", ordering="state")
    def state_label(self, incident: Incident) -> str:
        """The state's label ("In progress"): `state` lives on the shared ticket table, without choices."""
        return incident.get_state_display()

    def get_fields(self, request: HttpRequest, obj: Incident | None = None) -> list[str]:
        fields = ["state_label" if name == "state" else name for name in super().get_fields(request, obj)]
        return list(dict.fromkeys(fields))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
