"""Django admin of the CMDB: the classes of configuration items and their typed attributes (the administrators
define them; the desk records the CIs in the workspace)."""

from django.contrib import admin

from cmdb.models import CIClass, ClassAttribute


class ClassAttributeInline(admin.TabularInline):
    model = ClassAttribute
    extra = 1
    fields = ("order", "name", "label", "var_type", "required", "choices", "min_value", "max_value", "pattern",
              "pattern_message", "help_text")


@admin.register(CIClass)
class CIClassAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_service")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ClassAttributeInline]
