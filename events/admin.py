"""Event management in the Django admin: the rules and maintenance windows admins configure, and (read-only) the
alerts and events monitoring sent."""

from __future__ import annotations

from django.contrib import admin

from events.models import Alert, Event, EventRule, MaintenanceWindow


@admin.register(EventRule)
class EventRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "active", "source", "node_pattern", "label_name", "label_value", "team",
                    "raise_incidents")
    list_display_links = ("name",)
    list_editable = ("order", "active")


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("name", "start", "end", "ci")
    raw_id_fields = ("ci",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("fingerprint", "source", "node", "check_name", "status", "count", "incident", "last_seen",
                    "flapping")
    search_fields = ("fingerprint", "node", "check_name")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "source", "node", "check_name", "severity", "status", "state", "incident")
    list_filter = ("state", "severity", "status")
    search_fields = ("fingerprint", "node", "check_name")
