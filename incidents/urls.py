"""URLs of the incident pages: the portal under /portal/incidents/, the workspace under /agent/incidents/."""

from django.urls import path

from incidents.views import agent_create, agent_queue, portal
from incidents.views.agent_ticket import PAGE

urlpatterns = [
    # End users' portal
    path("portal/incidents/", portal.my_tickets, name="portal-incidents"),
    path("portal/incidents/new/", portal.report, name="portal-report"),
    path("portal/incidents/<str:number>/", portal.detail, name="portal-incident"),
    path("portal/incidents/<str:number>/reply/", portal.reply, name="portal-incident-reply"),
    path("portal/incidents/<str:number>/state/", portal.change_state, name="portal-incident-state"),
    path("portal/incidents/<str:number>/withdraw/", portal.withdraw, name="portal-incident-withdraw"),
    # Agents' workspace
    *agent_queue.PAGE.urls("agent/incidents/"),
    path("agent/incidents/new/", agent_create.create, name="agent-incident-new"),
    *PAGE.urls("agent/incidents/"),
]
