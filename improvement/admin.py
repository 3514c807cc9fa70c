from django.contrib import admin

from improvement.models import ImprovementAction, KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("kpi", "target", "amber_band", "updated_by", "updated_at")


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ("title", "kpi", "owner", "due_date", "status", "created_at")
    list_filter = ("status", "kpi")
    raw_id_fields = ("owner", "created_by")
