"""URLs of knowledge: the desk's articles (/agent/knowledge/) and the portal's knowledge base (/portal/knowledge/)."""

from django.urls import path

from knowledge import desk, views

urlpatterns = [
    path("agent/knowledge/new/", views.new_article, name="agent-article-new"),
    path("agent/knowledge/for/<str:number>/", desk.suggestions, name="agent-knowledge-for"),
    path("agent/knowledge/known-error/<str:number>/", desk.publish_known_error, name="agent-known-error-publish"),
    path("agent/knowledge/<str:number>/versions/", views.versions_page, name="agent-article-versions"),
    path("agent/knowledge/<str:number>/roll-back/", views.roll_back, name="agent-article-roll-back"),
    path("agent/knowledge/<str:number>/organizations/", views.set_organizations, name="agent-article-organizations"),
    *views.QUEUE.urls("agent/knowledge/"),
    *views.PAGE.urls("agent/knowledge/"),
    path("manager/knowledge/", views.report, name="knowledge-report"),
    path("portal/knowledge/", views.portal_list, name="portal-knowledge"),
    path("portal/knowledge/suggest/", views.suggest, name="portal-knowledge-suggest"),
    path("portal/knowledge/<str:number>/solved/", views.solved, name="portal-article-solved"),
    path("portal/knowledge/<str:number>/", views.portal_article, name="portal-article"),
    path("portal/knowledge/<str:number>/feedback/", views.feedback, name="portal-article-feedback"),
    path("portal/knowledge/<str:number>/files/<int:pk>/", views.portal_file, name="portal-article-file"),
]
