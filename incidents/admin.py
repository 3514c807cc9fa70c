from django.contrib import admin

from incidents.models import AssignmentRule, Category, Incident


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

    list_display = ["number", "title", "state", "priority", "team", "assignee", "updated_at"]
    list_filter = ["state", "priority", "team"]
    search_fields = ["number", "title"]
    list_select_related = ["team", "assignee"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
