"""URLs of the CMDB's pages (/agent/cmdb/)."""

from django.urls import path

from cmdb import ticket_panel, views

urlpatterns = [
    path("agent/cmdb/", views.ci_list, name="agent-cis"),
    path("agent/cmdb/new/", views.ci_new, name="agent-ci-new"),
    path("agent/cmdb/<int:pk>/", views.ci_page, name="agent-ci"),
    path("agent/cmdb/<int:pk>/attributes/", views.save_attributes, name="agent-ci-attributes"),
    path("agent/cmdb/<int:pk>/relationships/", views.relate, name="agent-ci-relate"),
    path("agent/cmdb/<int:pk>/relationships/<int:relationship_id>/remove/", views.unrelate,
         name="agent-ci-unrelate"),
    path("agent/cmdb/<int:pk>/history/", views.ci_history, name="agent-ci-history"),
]
urlpatterns += ticket_panel.urls()
