"""URLs of the problem pages, in the agent workspace under /agent/problems/."""

from django.urls import path

from core import raised_from
from problems import views
from problems.kind import PROBLEM

urlpatterns = [
    *views.QUEUE.urls("agent/problems/"),
    *raised_from.urls(PROBLEM),
    path("agent/known-errors/", views.known_errors, name="agent-known-errors"),
    *views.PAGE.urls("agent/problems/"),
    path("agent/problems/<str:number>/publish/", views.publish, name="agent-problem-publish"),
    path("agent/problems/<str:number>/similar/", views.similar_incidents, name="agent-problem-similar"),
    path("agent/incidents/<str:number>/known-errors/", views.known_error_suggestions,
         name="agent-incident-known-errors"),
]
