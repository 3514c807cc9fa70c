"""URLs of the surveys: the e-mails' links (no sign-in), the portal's cards, the agent's panel, the report."""

from django.urls import path

from surveys import links_views, views

urlpatterns = [
    path("surveys/csat/<str:token>/", links_views.csat_link, name="survey-csat-link"),
    path("surveys/nps/<str:token>/", links_views.nps_link, name="survey-nps-link"),
    path("portal/surveys/csat/<str:number>/", views.portal_csat, name="portal-csat"),
    path("portal/surveys/nps/", views.portal_nps, name="portal-nps"),
    path("agent/surveys/tickets/<str:number>/", views.agent_csat, name="agent-ticket-csat"),
    path("manager/surveys/", views.report, name="surveys-report"),
]
