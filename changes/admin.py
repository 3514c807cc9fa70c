"""Django admin of the change practice: approval policies, blackout windows (change freezes), standard change
templates and maintenance windows."""

from django.contrib import admin

from changes.models import ApprovalPolicy, BlackoutWindow, MaintenanceWindow, StandardChangeTemplate


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "ends_at", "service", "reason")
    list_filter = ("service",)
    search_fields = ("name", "reason")


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "service", "risk", "active")
    list_filter = ("active", "risk", "service")
    search_fields = ("name", "title")


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("service", "weekday", "starts", "ends", "time_zone")
    list_filter = ("service", "weekday")


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "group", "rule", "required")
    list_filter = ("change_type", "risk", "group")
