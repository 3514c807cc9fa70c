"""Django admin of the change practice: blackout windows (change freezes)."""

from django.contrib import admin

from changes.models import BlackoutWindow


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "ends_at", "service", "reason")
    list_filter = ("service",)
    search_fields = ("name", "reason")
