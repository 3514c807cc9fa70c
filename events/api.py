"""Event management's API: the ingestion endpoints.

- `POST /api/v1/events/alertmanager/`: Prometheus Alertmanager's webhook (version 4) as Alertmanager sends it;
- `POST /api/v1/events/`: one event in this product's generic JSON form.

Both need the `events.send` capability (agents and above: give the integration its own user, an agent in no
team, and an API token of it: `Authorization: Token <key>` is what Alertmanager's `http_config.authorization`
sends). They validate (400 naming the field), store the events and answer 202 at once with what was stored; the
work (rules, de-duplication, incidents) is done by a Celery task. Posting the same notification again is harmless
(events.ingest: it is not stored twice).
"""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_permission
from core.api.throttling import AnonRateThrottle, ScopedRateThrottle
from events import ingest
from events.models import Event

ACCEPTED = inline_serializer("EventsAccepted", {
    "accepted": serializers.IntegerField(help_text="Events stored now (processed in the background)."),
    "duplicates": serializers.IntegerField(help_text="Copies of events stored before (not stored again)."),
    "events": serializers.ListField(child=serializers.IntegerField(), help_text="The ids of the stored events."),
})


class IngestView(APIView):
    """The base of the ingestion endpoints: who may post, their rate limit, the 202 answer."""

    permission_classes = [IsAuthenticated, role_permission("events.send")]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "events"

    def answer(self, created: list[Event], duplicates: int) -> Response:
        return Response({"accepted": len(created), "duplicates": duplicates, "events": [e.pk for e in created]},
                        status=status.HTTP_202_ACCEPTED)


class AlertmanagerView(IngestView):
    @extend_schema(
        summary="Receive an Alertmanager notification", request=ingest.AlertmanagerSerializer,
        responses={202: ACCEPTED, 400: OpenApiResponse(description="A field is missing or wrong (named).")},
        tags=["events"],
    )
    def post(self, request: Request) -> Response:
        """Alertmanager's webhook (version 4): each alert becomes an event."""
        serializer = ingest.AlertmanagerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.answer(*ingest.receive_alertmanager(serializer.validated_data))


class GenericEventView(IngestView):
    @extend_schema(
        summary="Receive an event", request=ingest.GenericEventSerializer,
        responses={202: ACCEPTED, 400: OpenApiResponse(description="A field is missing or wrong (named).")},
        tags=["events"],
    )
    def post(self, request: Request) -> Response:
        """One event from any monitoring tool."""
        serializer = ingest.GenericEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.answer(*ingest.receive_generic(serializer.validated_data))


urlpatterns: list[URLPattern] = [
    path("events/", GenericEventView.as_view(), name="api-events"),
    path("events/alertmanager/", AlertmanagerView.as_view(), name="api-events-alertmanager"),
]
