"""URLs of the problem pages, in the agent workspace under /agent/problems/."""

from django.urls import path

from problems import views

urlpatterns = [
    path("agent/problems/", views.queue, name="agent-problems"),
    path("agent/problems/new/", views.from_incidents, name="agent-problems-new"),
    path("agent/known-errors/", views.known_errors, name="agent-known-errors"),
    path("agent/problems/<str:number>/", views.detail, name="agent-problem"),
    path("agent/problems/<str:number>/take/", views.take, name="agent-problem-take"),
    path("agent/problems/<str:number>/state/", views.change_state, name="agent-problem-state"),
    path("agent/problems/<str:number>/publish/", views.publish, name="agent-problem-publish"),
    path("agent/problems/<str:number>/incidents/", views.link, name="agent-problem-link"),
    path("agent/problems/<str:number>/note/", views.note, name="agent-problem-note"),
    path("agent/incidents/<str:number>/problem/", views.from_incident, name="agent-incident-problem"),
]
