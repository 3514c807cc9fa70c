"""URLs of the problem pages, in the agent workspace under /agent/problems/."""

from django.urls import path

from problems import views

urlpatterns = [
    *views.QUEUE.urls("agent/problems/"),
    path("agent/problems/new/", views.from_incidents, name="agent-problems-new"),
    path("agent/known-errors/", views.known_errors, name="agent-known-errors"),
    *views.PAGE.urls("agent/problems/"),
    path("agent/problems/<str:number>/publish/", views.publish, name="agent-problem-publish"),
    path("agent/problems/<str:number>/incidents/", views.link, name="agent-problem-incident-link"),
    path("agent/problems/<str:number>/similar/", views.similar_incidents, name="agent-problem-similar"),
    path("agent/incidents/<str:number>/problem/", views.from_incident, name="agent-incident-problem"),
    path("agent/incidents/<str:number>/known-errors/", views.known_error_suggestions,
         name="agent-incident-known-errors"),
]
