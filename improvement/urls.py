"""URLs of the KPI dashboard (its CSV is `?export=csv` on the same URL), its drill pages and the improvement
register."""

from django.urls import path

from improvement import views, views_register

urlpatterns = [
    path("manager/kpis/", views.dashboard, name="kpi-dashboard"),
    path("manager/kpis/targets/", views.set_target, name="kpi-target"),
    path("manager/kpis/<str:key>/<str:month>/", views.drill, name="kpi-drill"),
    path("manager/improvements/", views_register.register, name="improvement-register"),
    path("manager/improvements/new/", views_register.new, name="improvement-new"),
    path("manager/improvements/<int:pk>/", views_register.detail, name="improvement-page"),
    path("manager/improvements/<int:pk>/edit/", views_register.edit, name="improvement-edit"),
]
