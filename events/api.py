"""Event management's API: the ingestion endpoints."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
