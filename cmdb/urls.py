"""URLs of the CMDB's pages (/agent/cmdb/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
