from django.contrib import admin

from availability.models import AvailabilityTarget, Outage, OutageChange


@admin.register(AvailabilityTarget)
class AvailabilityTargetAdmin(admin.ModelAdmin):
    list_display = ("service", "target")


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ("service", "start", "end", "severity", "source", "incident", "adjusted")
    list_filter = ("severity", "source", "service")
    raw_id_fields = ("incident",)
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")


@admin.register(OutageChange)
class OutageChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "service", "action", "summary", "actor")
    readonly_fields = [f.name for f in OutageChange._meta.fields]
