"""URLs of the CMDB's tools: the CSV import and the dependency graph."""

from django.urls import URLPattern, path

from cmdb import graph_views, import_views

urlpatterns: list[URLPattern] = [
    path("agent/cmdb/import/", import_views.import_page, name="agent-cmdb-import"),
    path("agent/cmdb/import/<int:pk>/", import_views.job_page, name="agent-cmdb-import-job"),
    path("agent/cmdb/<int:pk>/graph/", graph_views.ci_graph, name="agent-ci-graph"),
]
