"""Django admin of capacity management: the metrics (also defined by managers in the workspace) and the desk's
capacity per team."""

from django.contrib import admin

from capacity.models import DeskCapacity, Metric


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("name", "ci", "service", "capacity", "unit", "warning_pct", "critical_pct", "last_value", "level")
    list_filter = ("level",)
    search_fields = ("name", "ci__name", "service__name")
    raw_id_fields = ("ci",)
    readonly_fields = ("last_value", "last_at", "level", "forecast_alert")


@admin.register(DeskCapacity)
class DeskCapacityAdmin(admin.ModelAdmin):
    list_display = ("team", "open_per_agent")
