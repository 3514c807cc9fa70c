from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import approval_links, views_approvals, views_search
from core import views as core_views
from core.views_attachments import attachment_download
from core.views_people import assignees, people_search
from core.views_presence import heartbeat

urlpatterns = [
    path("", core_views.home, name="home"),
    path("portal/", core_views.portal_home, name="portal-home"),
    path("agent/", core_views.agent_home, name="agent-home"),
    path("manager/", core_views.manager_home, name="manager-home"),
    path("console/", core_views.admin_home, name="admin-home"),
    path("agent/approvals/", views_approvals.my_approvals, name="agent-approvals"),
    path("portal/search/", views_search.portal_search, name="portal-search"),
    path("agent/search/", views_search.agent_search, name="agent-search"),
    path("approvals/<str:token>/", approval_links.decide_by_link, name="approval-link"),
    path("agent/approvals/<int:pk>/decision/", views_approvals.decide_vote, name="agent-approval-decision"),
    path("healthz", core_views.healthz, name="healthz"),
    path("attachments/<int:pk>/download/", attachment_download, name="attachment-download"),
    path("people/search/", people_search, name="people-search"),
    path("people/assignees/", assignees, name="people-assignees"),
    path("tickets/<str:number>/presence/", heartbeat, name="ticket-presence"),
    path("", include("incidents.urls")),
    path("", include("problems.urls")),
    path("", include("changes.urls")),
    path("", include("catalog.urls")),
    path("", include("knowledge.urls")),
    path("", include("cmdb.urls")),
    path("", include("cmdb.tool_urls")),
    path("", include("events.urls")),
    path("", include("sla.urls")),
    path("", include("availability.urls")),
    path("", include("costs.urls")),
    path("", include("surveys.urls")),
    path("", include("capacity.urls")),
    path("", include("improvement.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("itsm.api")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

if settings.BENCH_VIEWS:  # a one-query view for bench/load.py, never on unless ITSM_BENCH_VIEWS=1
    from core import views_bench

    urlpatterns.append(path("bench/ping/", views_bench.ping, name="bench-ping"))
