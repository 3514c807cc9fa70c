"""The incident REST API (mounted under /api/v1/ by itsm.api).

- views: /incidents/ (list, create, detail by number, PATCH, transition, take) and /categories/;
- nested: /incidents/{number}/comments/, history/, attachments/, watchers/, links/;
- serializers: what is read and what a write may carry.
"""

from __future__ import annotations

from django.urls import path

from incidents.api import nested

NUMBER = "incidents/<str:number>/"

urlpatterns = [
    path(f"{NUMBER}comments/", nested.IncidentCommentsView.as_view(), name="incident-comments"),
    path(f"{NUMBER}history/", nested.IncidentHistoryView.as_view(), name="incident-history"),
    path(f"{NUMBER}attachments/", nested.IncidentAttachmentsView.as_view(), name="incident-attachments"),
    path(f"{NUMBER}watchers/", nested.IncidentWatchersView.as_view(), name="incident-watchers"),
    path(f"{NUMBER}watchers/<int:user_id>/", nested.IncidentWatcherView.as_view(), name="incident-watcher"),
    path(f"{NUMBER}links/", nested.IncidentLinksView.as_view(), name="incident-links"),
    path(f"{NUMBER}links/<int:link_id>/", nested.IncidentLinkView.as_view(), name="incident-link"),
]

