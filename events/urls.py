"""URLs of event management's pages (the event console)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
