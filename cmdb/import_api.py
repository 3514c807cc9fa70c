"""The CMDB's import API (discovery tools)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
