"""URLs of event management's pages (the event console)."""

from django.urls import URLPattern, path

from events import views

urlpatterns: list[URLPattern] = [
    path("agent/events/", views.console, name="agent-events"),
]
