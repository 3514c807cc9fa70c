from django.contrib import admin

from core.models import ApproverGroup, PriorityRule, SentNotification


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


@admin.register(SentNotification)
class SentNotificationAdmin(admin.ModelAdmin):
    """Every notification e-mail by event and address: sent, failed and being retried, or failed for good."""

    list_display = ["sent_at", "key", "recipient", "subject", "status", "attempts", "last_error"]
    list_filter = ["status"]
    search_fields = ["key", "recipient", "subject"]
    date_hierarchy = "sent_at"
    readonly_fields = ["key", "recipient", "subject", "status", "attempts", "last_error", "sent_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApproverGroup)
class ApproverGroupAdmin(admin.ModelAdmin):
    """Approver groups (a CAB, an emergency CAB, service owners): a kind's approval policy asks one of them."""

    list_display = ("name", "description", "member_count")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    @admin.display(description="members")
    def member_count(self, group: ApproverGroup) -> int:
        return group.members.count()
