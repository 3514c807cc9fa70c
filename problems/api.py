"""The problem REST API under /api/v1/problems/ (the desk only: end users get 403), on core.api.viewsets.

Besides list, create, detail, PATCH, transition and take (with `resolve_incidents` on a move to resolved):
- POST /problems/{number}/publish-workaround/  {"public": bool}: push the workaround to its open incidents;
- the child endpoints every kind has (comments, history, attachments, watchers, links), and those of a kind raised
  from others (core.raised_from): GET /problems/{number}/incidents/ (paginated), POST {"incident": id} links one,
  POST /problems/ with "incidents": [ids] raises a problem for them.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer, StrictInputMixin
from core.api.ticket_serializers import (
    READ_ONLY_NAMES,
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
    TicketWriteSerializer,
    long_text_field,
    reference_field,
    sources_field,
)
from core.api.viewsets import TicketViewSet, VersionSerializer
from core.limits import TEXT_MAX_LENGTH
from problems import services
from problems.choices import State
from problems.filters import ProblemFilter
from problems.kind import PROBLEM
from problems.models import Problem
from sla.api.serializers import TicketSlaMixin

FIELDS = [
    "id", "number", "title", "description", "state", "impact", "urgency", "priority", "category", "service",
    "team", "assignee", "requester", "root_cause", "workaround", "fix", "related_change", "known_error",
    "known_error_at", "workaround_published_at", "workaround_public", "incident_count", "opened_at",
    "updated_at", "resolved_at", "closed_at", "version",
]


class ProblemSerializer(TicketSerializer):
    """A problem as the list reads it."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    category = NamedRefSerializer(read_only=True, allow_null=True)
    incident_count = serializers.IntegerField(read_only=True, help_text="How many incidents it causes.")

    class Meta:
        model = Problem
        fields = FIELDS
        read_only_fields = fields


class ProblemDetailSerializer(TicketDetailMixin, TicketSlaMixin, ProblemSerializer):
    """The detail: the problem plus its watchers, links to tickets the caller can see, and its SLA timers."""

    class Meta(ProblemSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "sla"]
        read_only_fields = fields


class ProblemWriteSerializer(TicketWriteSerializer):
    """What a create or a PATCH may carry (who may set what is core.writes' decision)."""

    read_only_names = READ_ONLY_NAMES | {"known_error", "known_error_at", "workaround_published_at",
                                         "workaround_public", "incident_count", "requester"}

    category = reference_field("top-level category (GET /api/v1/categories/)")
    root_cause = long_text_field()
    workaround = long_text_field()
    fix = long_text_field()
    related_change = serializers.CharField(required=False, allow_blank=True, max_length=100)
    state = serializers.ChoiceField(required=False, choices=State.choices,
                                    help_text="Prefer POST .../transition/ to change the state.")


class IncidentsOutcomeSerializer(serializers.Serializer):
    resolved = serializers.ListField(child=serializers.CharField(), help_text="Numbers of the incidents resolved.")
    refused = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    help_text="Incidents left unchanged, by number, with why.")
    out_of_sight = serializers.IntegerField(help_text="Open incidents of teams you cannot see, left to them.")


class ProblemMovedSerializer(ProblemDetailSerializer):
    """A problem after a move, and what resolving it did to its incidents (null when it did nothing to them)."""

    incidents_outcome = IncidentsOutcomeSerializer(read_only=True, allow_null=True, default=None)

    class Meta(ProblemDetailSerializer.Meta):
        fields = [*ProblemDetailSerializer.Meta.fields, "incidents_outcome"]
        read_only_fields = fields


class ProblemCreateSerializer(ProblemWriteSerializer):
    incidents = sources_field("incidents this problem causes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class ProblemTransitionSerializer(TicketTransitionSerializer):
    """A state change; resolving needs the permanent fix, and may resolve the open incidents too."""

    state = serializers.ChoiceField(choices=State.choices)
    fix = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=TEXT_MAX_LENGTH)
    resolve_incidents = serializers.BooleanField(default=False, help_text="With `resolved`: resolve its open "
                                                 "incidents too (\"Solved by problem\"), telling their requesters.")


class PublishSerializer(StrictInputMixin, serializers.Serializer):
    public = serializers.BooleanField(help_text="True: the requesters read it in their incidents; false: a work "
                                      "note for the desk.")


@extend_schema_view(
    list=extend_schema(summary="Problems (the service desk only)", responses=ProblemSerializer),
    retrieve=extend_schema(summary="One problem", responses=ProblemDetailSerializer),
    create=extend_schema(summary="Raise a problem", request=ProblemCreateSerializer, parameters=[IDEMPOTENCY_KEY],
                         responses={201: ProblemDetailSerializer}),
    partial_update=extend_schema(summary="Change fields of a problem", request=ProblemWriteSerializer,
                                 responses={200: ProblemDetailSerializer}),
    transition=extend_schema(summary="Change the state (resolving may resolve the open incidents too)",
                             request=ProblemTransitionSerializer, responses={200: ProblemMovedSerializer}),
    take=extend_schema(summary="Take the problem", request=VersionSerializer, responses={200: ProblemDetailSerializer}),
)
class ProblemViewSet(TicketViewSet):
    """Problems, addressed by number; the service desk only."""

    kind = PROBLEM
    kept = (*TicketViewSet.kept, "category")
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = ProblemFilter
    list_serializer = ProblemSerializer
    detail_serializer = ProblemDetailSerializer
    create_serializer = ProblemCreateSerializer
    write_serializer = ProblemWriteSerializer
    transition_serializer = ProblemTransitionSerializer

    def visible(self) -> Any:
        """The access rule, with kind= on the core table: it steers PostgreSQL off a plan that reads every
        ticket for a filter only problems meet (bench/RESULTS.md, problems: 309 -> 14 ms at 1M)."""
        return super().visible().filter(kind=PROBLEM.key)

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        return super().with_related(queryset, visible=visible, detail=detail).defer("search").annotate(
            incident_count=services.incident_count())

    def perform_transition(self, ticket: Any, data: dict[str, Any]) -> Problem:
        moved = services.transition(ticket, self.request.user, data["state"], expected_version=data.get("version"),
                                    fix=data["fix"], comment=data["comment"],
                                    resolve_incidents=data["resolve_incidents"])
        outcome = moved.incidents
        self.incidents_outcome = None if outcome is None else {
            "resolved": outcome.updated, "refused": outcome.errors, "out_of_sight": outcome.out_of_sight}
        return moved.problem

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """A move's answer says what it did to the problem's incidents, as the page does."""
        if self.action == "transition" and response.status_code == status.HTTP_200_OK and isinstance(
                response.data, dict):
            response.data["incidents_outcome"] = getattr(self, "incidents_outcome", None)
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(summary="Publish the workaround to the open incidents", request=PublishSerializer,
                   responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"], url_path="publish-workaround")
    def publish_workaround(self, request: Request, number: str | None = None) -> Response:
        problem = self.lookup_ticket()
        public = self.validated(PublishSerializer(data=request.data))["public"]
        services.publish_workaround(problem, request.user, public=public)
        return self.ticket_response(problem.pk)


urlpatterns: list[URLPattern] = child_routes(PROBLEM, "problems")
