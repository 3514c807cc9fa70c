"""URLs of the cost pages (costs.views)."""

from django.urls import path

from costs import views

urlpatterns = [path("manager/costs/", views.costs_page, name="costs")]
