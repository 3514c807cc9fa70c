"""URLs of the SLA pages: the manager's dashboard (its CSV downloads are `?export=<table>` on the same URL)."""

from django.urls import path

from sla import views

urlpatterns = [
    path("manager/sla/", views.dashboard, name="sla-dashboard"),
]
