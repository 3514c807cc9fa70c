from django.contrib import admin

from core.models import PriorityRule


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    """The impact x urgency -> priority matrix (ITIL default seeded by a migration)."""

    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    list_display_links = None

    def has_add_permission(self, request) -> bool:
        return not PriorityRule.objects.count() >= 9

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
