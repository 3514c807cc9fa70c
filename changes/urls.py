"""URLs of the change pages, in the agent workspace under /agent/changes/."""

from django.urls import path

from changes import views
from changes.kind import CHANGE
from core import raised_from

urlpatterns = [
    *views.QUEUE.urls("agent/changes/"),
    path("agent/changes/new/", views.new_change, name="agent-change-new"),
    *raised_from.urls(CHANGE),
    *views.PAGE.urls("agent/changes/"),
    path("agent/changes/<str:number>/decision/", views.decide, name="agent-change-decision"),
]
