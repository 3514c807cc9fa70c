"""The incident REST API (mounted under /api/v1/ by itsm.api).

- views: /incidents/ (list, create, detail by number, PATCH, transition, take) and /categories/;
- the child endpoints every kind has (core.api.children): /incidents/{number}/comments/, history/,
  attachments/, watchers/, links/;
- serializers: what is read and what a write may carry.
"""

from __future__ import annotations

from core.api.children import child_routes
from incidents.kind import INCIDENT

urlpatterns = child_routes(INCIDENT, "incidents")
