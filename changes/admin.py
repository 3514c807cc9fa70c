"""Django admin of the change practice: approval policies, blackout windows (change freezes), standard change
templates and maintenance windows."""

from django.contrib import admin

from changes.models import (
    ApprovalPolicy,
    BlackoutWindow,
    MaintenanceWindow,
    RiskAnswer,
    RiskQuestion,
    StandardChangeTemplate,
    TemplateTask,
)


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "ends_at", "service", "reason")
    list_filter = ("service",)
    search_fields = ("name", "reason")


class TemplateTaskInline(admin.TabularInline):
    model = TemplateTask
    extra = 1
    fields = ("order", "title", "task_type", "team")


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(admin.ModelAdmin):
    inlines = [TemplateTaskInline]
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


class RiskAnswerInline(admin.TabularInline):
    model = RiskAnswer
    extra = 2
    fields = ("text", "weight", "order")


@admin.register(RiskQuestion)
class RiskQuestionAdmin(admin.ModelAdmin):
    """The risk questionnaire: each answer's weight adds to the score; its share of the highest possible score
    gives the risk (under 25 % low, under 50 % moderate, under 75 % high, else very high)."""

    list_display = ("text", "order", "active")
    list_editable = ("order", "active")
    inlines = [RiskAnswerInline]
