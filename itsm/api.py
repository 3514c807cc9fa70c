"""The REST API under /api/v1/: every app's router and views are mounted here."""

from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TeamViewSet, TokenExchangeView
from accounts.api_users import UserViewSet
from availability.api import OutageViewSet
from availability.api import urlpatterns as availability_urls
from capacity.api import MetricViewSet
from capacity.api import urlpatterns as capacity_urls
from catalog.access_api import AccessGrantViewSet, AccessSystemViewSet
from catalog.api import ServiceViewSet
from catalog.order_api import (
    CatalogCategoryViewSet,
    CatalogTaskViewSet,
    ItemViewSet,
    RequestedItemViewSet,
    RequestViewSet,
)
from catalog.order_api import urlpatterns as request_urls
from changes.api import CalendarView, ChangeViewSet, RiskQuestionViewSet
from changes.api import urlpatterns as change_urls
from changes.release_api import ReleaseViewSet
from changes.release_api import urlpatterns as release_urls
from changes.task_api import ChangeTaskViewSet
from changes.task_api import urlpatterns as change_task_urls
from cmdb.api import CIViewSet, ClassViewSet, RelationshipViewSet
from cmdb.api import urlpatterns as cmdb_urls
from cmdb.import_api import urlpatterns as cmdb_import_urls
from core.api.approvals import ApprovalViewSet
from core.api.errors import api_not_found
from core.api.search import SearchView
from costs.api import urlpatterns as cost_urls
from events.api import urlpatterns as event_urls
from improvement.api import register_routes as improvement_routes
from incidents.api import urlpatterns as incident_urls
from incidents.api.views import CategoryViewSet, IncidentViewSet
from knowledge.api import ArticleViewSet, PublishedArticleViewSet
from knowledge.api import urlpatterns as knowledge_urls
from problems.api import ProblemViewSet
from problems.api import urlpatterns as problem_urls
from sla.api.views import ScheduleViewSet, SlaDefinitionViewSet, SlaReportView, TimerViewSet
from surveys.api import CsatViewSet, NpsViewSet

router = DefaultRouter(trailing_slash=True)
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
router.register("services", ServiceViewSet, basename="service")
router.register("catalog/categories", CatalogCategoryViewSet, basename="catalog-category")
router.register("catalog/items", ItemViewSet, basename="catalog-item")
router.register("requests", RequestViewSet, basename="request")
router.register("requested-items", RequestedItemViewSet, basename="requested-item")
router.register("tasks", CatalogTaskViewSet, basename="task")
router.register("categories", CategoryViewSet, basename="category")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("problems", ProblemViewSet, basename="problem")
router.register("changes", ChangeViewSet, basename="change")
router.register("releases", ReleaseViewSet, basename="release")
router.register("change-tasks", ChangeTaskViewSet, basename="change-task")
router.register("change-risk-questions", RiskQuestionViewSet, basename="change-risk-question")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("knowledge/articles", PublishedArticleViewSet, basename="published-article")
router.register("knowledge/drafts", ArticleViewSet, basename="article")
router.register("cmdb/classes", ClassViewSet, basename="cmdb-class")
router.register("cmdb/cis", CIViewSet, basename="cmdb-ci")
router.register("cmdb/relationships", RelationshipViewSet, basename="cmdb-relationship")
router.register("access-systems", AccessSystemViewSet, basename="access-system")
router.register("access-grants", AccessGrantViewSet, basename="access-grant")
router.register("sla/schedules", ScheduleViewSet, basename="sla-schedule")
router.register("sla/definitions", SlaDefinitionViewSet, basename="sla-definition")
router.register("sla/timers", TimerViewSet, basename="sla-timer")
router.register("availability/outages", OutageViewSet, basename="availability-outage")
router.register("surveys/csat", CsatViewSet, basename="survey-csat")
router.register("surveys/nps", NpsViewSet, basename="survey-nps")
router.register("capacity/metrics", MetricViewSet, basename="capacity-metric")
improvement_urls = improvement_routes(router)  # kpis/targets, improvements

urlpatterns = [
    path("auth/token/", TokenExchangeView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles from its own (self-hosted) script; scripts stay 'self' only.
    path("docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("sla/report/", SlaReportView.as_view(), name="api-sla-report"),
    path("search/", SearchView.as_view(), name="api-search"),
    path("change-calendar/", CalendarView.as_view(), name="api-change-calendar"),
    *incident_urls,
    *problem_urls,
    *change_urls,
    *change_task_urls,
    *release_urls,
    *request_urls,
    *knowledge_urls,
    *cmdb_urls,
    *cmdb_import_urls,
    *event_urls,
    *availability_urls,
    *cost_urls,
    *capacity_urls,
    *router.urls,
    *improvement_urls,  # after the router: /kpis/targets/ is not a KPI
    re_path(r"^(?P<path>.*)$", api_not_found, name="api-not-found"),  # last: unknown API paths answer JSON 404
]
