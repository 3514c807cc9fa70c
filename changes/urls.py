"""URLs of the change pages, in the agent workspace under /agent/changes/."""

from django.urls import path

from changes import calendar_views, release_views, task_views, views
from changes.kind import CHANGE
from core import raised_from

urlpatterns = [
    *views.QUEUE.urls("agent/changes/"),
    path("agent/changes/new/", views.new_change, name="agent-change-new"),
    path("agent/changes/calendar/", calendar_views.calendar_page, name="agent-change-calendar"),
    path("agent/changes/calendar/feeds/", calendar_views.create_feed, name="agent-change-calendar-feed-new"),
    path("agent/changes/calendar/feeds/<int:pk>/revoke/", calendar_views.revoke_feed,
         name="agent-change-calendar-feed-revoke"),
    path("changes/calendar/<str:token>.ics", calendar_views.feed, name="change-calendar-feed"),
    *raised_from.urls(CHANGE),
    *release_views.QUEUE.urls("agent/releases/"),
    path("agent/releases/new/", release_views.new_release, name="agent-release-new"),
    *release_views.PAGE.urls("agent/releases/"),
    path("agent/releases/<str:number>/changes/", release_views.add_change, name="agent-release-change-add"),
    path("agent/releases/<str:number>/changes/remove/", release_views.remove_change,
         name="agent-release-change-remove"),
    *task_views.QUEUE.urls("agent/change-tasks/"),
    *task_views.PAGE.urls("agent/change-tasks/"),
    path("agent/changes/<str:number>/tasks/", task_views.add_task, name="agent-change-task-add"),
    *views.PAGE.urls("agent/changes/"),
    path("agent/changes/<str:number>/decision/", views.decide, name="agent-change-decision"),
    path("agent/changes/<str:number>/risk/", views.assess_risk, name="agent-change-risk"),
    path("agent/changes/<str:number>/services/", views.set_services, name="agent-change-services"),
    path("agent/changes/<str:number>/risk-override/", views.override_risk, name="agent-change-risk-override"),
]
