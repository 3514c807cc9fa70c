"""URLs of the availability pages (availability.views)."""

from django.urls import path

from availability import views

urlpatterns = [
    path("agent/availability/", views.overview, name="availability"),
    path("agent/availability/services/<int:pk>/", views.service_page, name="availability-service"),
    path("agent/availability/services/<int:pk>/outages/", views.record_outage, name="availability-record"),
    path("agent/availability/services/<int:pk>/target/", views.set_target, name="availability-target"),
    path("agent/availability/outages/<int:pk>/edit/", views.edit_outage, name="availability-outage-edit"),
    path("agent/availability/outages/<int:pk>/delete/", views.delete_outage, name="availability-outage-delete"),
]
