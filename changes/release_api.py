"""The release API under /api/v1/releases/ (the desk only), on core.api.viewsets: list, create, detail (with its
changes), PATCH, transition, take, the child endpoints every kind has, and
POST /releases/{number}/add-change/ or /remove-change/ {"change": "CHG..."}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from changes import services
from changes.choices import ReleaseState
from changes.kind import CHANGE
from changes.models import Release
from changes.release_kind import RELEASE
from changes.release_views import ReleaseFilter
from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin
from core.api.ticket_serializers import (
    READ_ONLY_NAMES,
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
    TicketWriteSerializer,
    long_text_field,
)
from core.api.viewsets import TicketViewSet, VersionSerializer
from sla.api.serializers import TicketSlaMixin

FIELDS = ["id", "number", "title", "release_version", "description", "state", "impact", "urgency", "priority",
          "service", "team", "assignee", "requester", "planned_deployment", "actual_deployment", "release_notes",
          "opened_at", "updated_at", "resolved_at", "closed_at", "version"]


class ReleaseSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=ReleaseState.choices, read_only=True)

    class Meta:
        model = Release
        fields = FIELDS
        read_only_fields = fields


class ReleaseChangeSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    outcome = serializers.CharField()


class ReleaseDetailSerializer(TicketDetailMixin, TicketSlaMixin, ReleaseSerializer):
    """The detail: the release plus its changes (each with its state and outcome)."""

    changes = serializers.SerializerMethodField()

    class Meta(ReleaseSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "sla", "changes"]
        read_only_fields = fields

    @extend_schema_field(ReleaseChangeSerializer(many=True))
    def get_changes(self, release: Release) -> list[dict[str, Any]]:
        return [dict(row) for row in release.changes.order_by("planned_start", "ticket_ptr_id").values(
            "number", "title", "state", "outcome")]


class ReleaseWriteSerializer(TicketWriteSerializer):
    read_only_names = READ_ONLY_NAMES | {"requester", "changes"}

    release_version = serializers.CharField(required=False, allow_blank=True, max_length=60)
    planned_deployment = serializers.DateTimeField(required=False, allow_null=True)
    actual_deployment = serializers.DateTimeField(required=False, allow_null=True)
    release_notes = long_text_field()
    state = serializers.ChoiceField(required=False, choices=ReleaseState.choices,
                                    help_text="Prefer POST .../transition/ to change the state.")


class ReleaseCreateSerializer(ReleaseWriteSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class ReleaseTransitionSerializer(TicketTransitionSerializer):
    state = serializers.ChoiceField(choices=ReleaseState.choices)


class ReleaseChangeInputSerializer(StrictInputMixin, serializers.Serializer):
    change = serializers.CharField(max_length=20, help_text="The change's number.")


@extend_schema_view(
    list=extend_schema(summary="Releases (the service desk only)", responses=ReleaseSerializer),
    retrieve=extend_schema(summary="One release, with its changes", responses=ReleaseDetailSerializer),
    create=extend_schema(summary="Plan a release", request=ReleaseCreateSerializer, parameters=[IDEMPOTENCY_KEY],
                         responses={201: ReleaseDetailSerializer}),
    partial_update=extend_schema(summary="Change fields of a release", request=ReleaseWriteSerializer,
                                 responses={200: ReleaseDetailSerializer}),
    transition=extend_schema(summary="Change the state (done: every change closed successfully)",
                             request=ReleaseTransitionSerializer, responses={200: ReleaseDetailSerializer}),
    take=extend_schema(summary="Take the release", request=VersionSerializer,
                       responses={200: ReleaseDetailSerializer}),
)
class ReleaseViewSet(TicketViewSet):
    """Releases, addressed by number; the service desk only."""

    kind = RELEASE
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = ReleaseFilter
    list_serializer = ReleaseSerializer
    detail_serializer = ReleaseDetailSerializer
    create_serializer = ReleaseCreateSerializer
    write_serializer = ReleaseWriteSerializer
    transition_serializer = ReleaseTransitionSerializer

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        return super().with_related(queryset, visible=visible, detail=detail).defer("search")

    def release_change(self, request: Request, write: Any) -> Response:
        release = self.lookup_ticket()
        data = self.validated(ReleaseChangeInputSerializer(data=request.data))
        number = data["change"].strip().upper()
        change = CHANGE.model.objects.visible_to(request.user).filter(number=number).first()
        if change is None:
            raise ValidationError({"change": [f"No change {number} that you can see."]})
        write(release, change, request.user)
        return self.ticket_response(release.pk)

    @extend_schema(summary="Put a change in the release", request=ReleaseChangeInputSerializer,
                   responses={200: ReleaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="add-change")
    def add_change(self, request: Request, number: str | None = None) -> Response:
        return self.release_change(request, services.add_to_release)

    @extend_schema(summary="Take a change out of the release", request=ReleaseChangeInputSerializer,
                   responses={200: ReleaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="remove-change")
    def remove_change(self, request: Request, number: str | None = None) -> Response:
        return self.release_change(request, services.remove_from_release)


urlpatterns: list[URLPattern] = child_routes(RELEASE, "releases")
