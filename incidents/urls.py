"""URLs of the incident pages: the portal under /portal/incidents/, the workspace under /agent/incidents/."""

from django.urls import path

from incidents.views import agent_create, agent_queue, agent_ticket, portal

urlpatterns = [
    # End users' portal
    path("portal/incidents/", portal.my_tickets, name="portal-incidents"),
    path("portal/incidents/new/", portal.report, name="portal-report"),
    path("portal/incidents/<str:number>/", portal.detail, name="portal-incident"),
    path("portal/incidents/<str:number>/reply/", portal.reply, name="portal-incident-reply"),
    path("portal/incidents/<str:number>/state/", portal.change_state, name="portal-incident-state"),
    path("portal/incidents/<str:number>/withdraw/", portal.withdraw, name="portal-incident-withdraw"),
    # Agents' workspace
    path("agent/incidents/", agent_queue.queue_list, name="agent-incidents"),
    path("agent/incidents/bulk/", agent_queue.bulk, name="agent-incidents-bulk"),
    path("agent/incidents/new/", agent_create.create, name="agent-incident-new"),
    path("agent/incidents/<str:number>/", agent_ticket.detail, name="agent-incident"),
    path("agent/incidents/<str:number>/comment/", agent_ticket.comment, name="agent-incident-comment"),
    path("agent/incidents/<str:number>/take/", agent_ticket.take, name="agent-incident-take"),
    path("agent/incidents/<str:number>/sla/", agent_ticket.sla_panel, name="agent-incident-sla"),
    path("agent/incidents/<str:number>/state/", agent_ticket.change_state, name="agent-incident-state"),
    path("agent/incidents/<str:number>/watchers/", agent_ticket.add_watcher, name="agent-incident-watcher-add"),
    path("agent/incidents/<str:number>/watchers/<int:user_id>/remove/", agent_ticket.remove_watcher,
         name="agent-incident-watcher-remove"),
    path("agent/incidents/<str:number>/links/", agent_ticket.add_link, name="agent-incident-link-add"),
    path("agent/incidents/<str:number>/links/<int:link_id>/remove/", agent_ticket.remove_link,
         name="agent-incident-link-remove"),
]
