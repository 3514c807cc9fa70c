"""The improvement app in Django's admin: targets and actions (the pages managers use are /manager/kpis/ and
/manager/improvements/)."""

from django.contrib import admin

from improvement.models import ImprovementAction, KpiTarget, kpi_label


@admin.display(description="KPI")
def kpi_name(obj: KpiTarget | ImprovementAction) -> str:
    return kpi_label(obj.kpi)


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("__str__", kpi_name, "target", "amber_band", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ("title", kpi_name, "owner", "due_date", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("owner", "created_by", "updated_by")
    readonly_fields = ("value_before", "value_after", "after_month", "created_by", "created_at", "updated_by",
                       "updated_at", "closed_at")
