"""URLs of capacity management's pages."""

from django.urls import path

from capacity import views

urlpatterns = [
    path("agent/capacity/", views.report, name="capacity-report"),
    path("agent/capacity/new/", views.metric_form, name="capacity-metric-new"),
    path("agent/capacity/<int:pk>/", views.metric_page, name="capacity-metric"),
    path("agent/capacity/<int:pk>/edit/", views.metric_form, name="capacity-metric-edit"),
    path("agent/capacity/alerts/", views.alerts, name="capacity-alerts"),
    path("manager/capacity/desk/", views.desk_page, name="capacity-desk"),
]
