"""URLs of the catalog in the portal (/portal/catalog/, /portal/requests/) and of requests in the workspace."""

from django.urls import path

from catalog import access_views, agent_views, builder_views, portal_views

urlpatterns = [
    path("portal/catalog/", portal_views.browse, name="portal-catalog"),
    path("portal/catalog/<slug:slug>/", portal_views.item_page, name="portal-catalog-item"),
    path("portal/catalog/<slug:slug>/picture/", portal_views.item_picture, name="portal-catalog-picture"),
    path("portal/requests/", portal_views.my_requests, name="portal-requests"),
    path("portal/requests/<str:number>/", portal_views.request_page, name="portal-request"),
    path("portal/requests/<str:number>/reply/", portal_views.reply, name="portal-request-reply"),
    path("portal/access/", access_views.my_access, name="portal-access"),
    path("portal/access/<int:pk>/give-up/", access_views.give_up, name="portal-access-give-up"),
    path("manage/catalog/", builder_views.home, name="catalog-builder"),
    path("manage/catalog/new/", builder_views.new_item, name="catalog-builder-new"),
    path("manage/catalog/<int:pk>/", builder_views.item_page, name="catalog-builder-item"),
    path("manage/catalog/<int:pk>/preview/", builder_views.preview, name="catalog-builder-preview"),
    path("agent/access/", access_views.register, name="agent-access-register"),
    path("agent/access/<int:pk>/revoke/", access_views.revoke, name="agent-access-revoke"),
    *agent_views.REQUEST_QUEUE.urls("agent/requests/"),
    *agent_views.REQUEST_PAGE.urls("agent/requests/"),
    *agent_views.ITEM_QUEUE.urls("agent/requested-items/"),
    *agent_views.ITEM_PAGE.urls("agent/requested-items/"),
    *agent_views.TASK_QUEUE.urls("agent/tasks/"),
    *agent_views.TASK_PAGE.urls("agent/tasks/"),
]
