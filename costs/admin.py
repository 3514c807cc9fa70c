from django.contrib import admin

from costs.models import CostRate


@admin.register(CostRate)
class CostRateAdmin(admin.ModelAdmin):
    list_display = ("kind", "team", "channel", "amount", "valid_from", "valid_until")
    list_filter = ("kind", "team", "channel")
