"""The change REST API under /api/v1/changes/ (the desk only: end users get 403), on core.api.viewsets.

Besides list, create, detail, PATCH, transition and take:
- POST /changes/{number}/decision/  {"decision": "approve" | "reject", "comment"}: the authorisation;
- the child endpoints every kind has (comments, history, attachments, watchers, links), and those of a kind raised
  from others (core.raised_from): GET /changes/{number}/problems/ and /incidents/ (paginated), POST
  {"problem": id} or {"incident": id} links one, POST /changes/ with "problems" or "incidents": [ids] raises a
  change for them.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from changes import services
from changes.choices import ChangeType, Outcome, Risk, State
from changes.conflicts import Conflict, conflicts
from changes.filters import ChangeFilter
from changes.kind import CHANGE
from changes.models import Change, StandardChangeTemplate
from core import approvals
from core.api.approvals import ApprovalSummarySerializer
from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin, UserRefSerializer, inline_choice_field
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
from core.api.tickets import MAX_ID
from core.api.viewsets import TicketViewSet, VersionSerializer
from core.limits import TEXT_MAX_LENGTH
from sla.api.serializers import TicketSlaMixin

FIELDS = [
    "id", "number", "title", "description", "state", "change_type", "risk", "impact", "urgency", "priority",
    "service", "team", "assignee", "requester", "change_manager", "justification", "implementation_plan",
    "backout_plan", "test_plan", "planned_start", "planned_end", "actual_start", "actual_end", "authorized_at",
    "authorized_by", "outcome", "close_notes", "review_notes", "opened_at", "updated_at", "resolved_at",
    "closed_at", "version",
]


class ChangeSerializer(TicketSerializer):
    """A change as the list reads it."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    change_type = inline_choice_field(ChangeType.choices, read_only=True)
    risk = inline_choice_field(Risk.choices, read_only=True)
    outcome = serializers.CharField(read_only=True, help_text="successful, successful_with_issues, failed, "
                                                              "backed_out; empty until the review.")
    change_manager = UserRefSerializer(read_only=True, allow_null=True)
    authorized_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Change
        fields = FIELDS
        read_only_fields = fields


class ChangeConflictSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["service", "assignee", "blackout", "maintenance"], read_only=True)
    text = serializers.CharField(read_only=True)
    change = serializers.SerializerMethodField(help_text="The other change's number (null for a blackout).")
    blocking = serializers.BooleanField(read_only=True, help_text="True: the change cannot be scheduled.")

    def get_change(self, conflict: Conflict) -> str | None:
        return conflict.other.number if conflict.other is not None else None


class ChangeDetailSerializer(TicketDetailMixin, TicketSlaMixin, ChangeSerializer):
    """The detail: the change plus its watchers, links to tickets the caller can see, its SLA timers, and what
    its planned window collides with (while it is open)."""

    conflicts = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField(help_text="The latest approval asked of an approver group (null "
                                                           "when none was).")

    class Meta(ChangeSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "sla", "conflicts", "approval"]
        read_only_fields = fields

    @extend_schema_field(ApprovalSummarySerializer(allow_null=True))
    def get_approval(self, change: Change) -> dict[str, Any] | None:
        approval = approvals.current(change)
        return dict(ApprovalSummarySerializer(approval).data) if approval else None

    @extend_schema_field(ChangeConflictSerializer(many=True))
    def get_conflicts(self, change: Change) -> list[dict[str, Any]]:
        user = self.context["request"].user if "request" in self.context else None
        return list(ChangeConflictSerializer(conflicts(change, user) if change.active else [], many=True).data)


class ChangeWriteSerializer(TicketWriteSerializer):
    """What a create or a PATCH may carry (who may set what is core.writes' decision)."""

    read_only_names = READ_ONLY_NAMES | {"authorized_at", "authorized_by", "outcome", "close_notes", "review_notes",
                                         "requester"}

    change_type = inline_choice_field(ChangeType.choices, required=False)
    risk = inline_choice_field(Risk.choices, required=False)
    change_manager = reference_field("change manager (GET /api/v1/users/), a member of the desk")
    justification = long_text_field()
    implementation_plan = long_text_field()
    backout_plan = long_text_field()
    test_plan = long_text_field()
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    actual_start = serializers.DateTimeField(required=False, allow_null=True)
    actual_end = serializers.DateTimeField(required=False, allow_null=True)
    state = serializers.ChoiceField(required=False, choices=State.choices,
                                    help_text="Prefer POST .../transition/ to change the state.")


class ChangeCreateSerializer(ChangeWriteSerializer):
    template = reference_field("standard change template: its title, plans, service and risk, unless given here")
    problems = sources_field("problems this change fixes")
    incidents = sources_field("incidents this change caused")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class ChangeTransitionSerializer(TicketTransitionSerializer):
    """A state change, with what the target needs: the outcome at review, close notes (and the
    post-implementation review of a failed, backed-out or emergency change) to close."""

    state = serializers.ChoiceField(choices=State.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, default="")
    close_notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False,
                                        max_length=TEXT_MAX_LENGTH)
    review_notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False,
                                         max_length=TEXT_MAX_LENGTH)


class DecisionSerializer(StrictInputMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=TEXT_MAX_LENGTH,
                                    help_text="Why: required to reject (the change owner reads it).")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


@extend_schema_view(
    list=extend_schema(summary="Changes (the service desk only)", responses=ChangeSerializer),
    retrieve=extend_schema(summary="One change", responses=ChangeDetailSerializer),
    create=extend_schema(summary="Raise a change", request=ChangeCreateSerializer, parameters=[IDEMPOTENCY_KEY],
                         responses={201: ChangeDetailSerializer}),
    partial_update=extend_schema(summary="Change fields of a change", request=ChangeWriteSerializer,
                                 responses={200: ChangeDetailSerializer}),
    transition=extend_schema(summary="Change the state", request=ChangeTransitionSerializer,
                             responses={200: ChangeDetailSerializer}),
    take=extend_schema(summary="Take the change", request=VersionSerializer, responses={200: ChangeDetailSerializer}),
)
class ChangeViewSet(TicketViewSet):
    """Changes, addressed by number; the service desk only."""

    kind = CHANGE
    related = (*TicketViewSet.related, "change_manager", "authorized_by")
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = ChangeFilter
    list_serializer = ChangeSerializer
    detail_serializer = ChangeDetailSerializer
    create_serializer = ChangeCreateSerializer
    write_serializer = ChangeWriteSerializer
    transition_serializer = ChangeTransitionSerializer

    def perform_create_ticket(self, data: dict[str, Any]) -> Change:
        """A change from a standard change template takes its fields (those given in the request win)."""
        template_id = data.pop("template", None)
        if template_id is not None:
            template = StandardChangeTemplate.objects.filter(pk=template_id, active=True).first()
            if template is None:
                raise ValidationError({"template": [f"No active standard change template {template_id}."]})
            data = {**template.change_data(), **data}
        return cast(Change, super().perform_create_ticket(data))

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        return super().with_related(queryset, visible=visible, detail=detail).defer("search")

    @extend_schema(summary="Approve or reject a change waiting for authorisation", request=DecisionSerializer,
                   responses={200: ChangeDetailSerializer})
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, number: str | None = None) -> Response:
        change = self.lookup_ticket()
        data = self.validated(DecisionSerializer(data=request.data))
        services.decide(change, request.user, approve=data["decision"] == "approve", comment=data["comment"],
                        expected_version=data.get("version"))
        return self.ticket_response(change.pk)


urlpatterns: list[URLPattern] = child_routes(CHANGE, "changes")
