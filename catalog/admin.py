from django.contrib import admin

from catalog.models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "criticality", "owner_team", "support_team", "active"]
    list_filter = ["criticality", "active", "support_team"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]
