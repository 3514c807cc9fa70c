"""URLs of the CMDB's tools: the CSV import and the dependency graph."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
