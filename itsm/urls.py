from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("portal/", core_views.portal_home, name="portal-home"),
    path("agent/", core_views.agent_home, name="agent-home"),
    path("manager/", core_views.manager_home, name="manager-home"),
    path("console/", core_views.admin_home, name="admin-home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("itsm.api")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
