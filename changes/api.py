"""The change REST API under /api/v1/changes/ (the desk only: end users get 403), on core.api.viewsets.

Besides list, create, detail, PATCH, transition and take:
- POST /changes/{number}/decision/  {"decision": "approve" | "reject", "comment"}: the change manager's final say;
- POST /changes/{number}/risk-assessment/ {"answers": {question: answer}}: the risk questionnaire
  (GET /change-risk-questions/), and POST /changes/{number}/risk-override/ {"risk", "reason"};
- the child endpoints every kind has (comments, history, attachments, watchers, links), and those of a kind raised
  from others (core.raised_from): GET /changes/{number}/problems/ and /incidents/ (paginated), POST
  {"problem": id} or {"incident": id} links one, POST /changes/ with "problems" or "incidents": [ids] raises a
  change for them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from changes import calendar, risk, services
from changes.choices import ChangeType, Outcome, Risk, State
from changes.conflicts import Conflict, conflicts
from changes.filters import ChangeFilter
from changes.kind import CHANGE
from changes.models import Change, RiskAnswer, RiskQuestion, StandardChangeTemplate
from core import approvals
from core.api.approvals import ApprovalSummarySerializer
from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer, StrictInputMixin, UserRefSerializer, inline_choice_field
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
    "authorized_by", "outcome", "close_notes", "review_notes", "risk_score", "risk_computed", "risk_override_reason",
    "release",
    "opened_at", "updated_at", "resolved_at",
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
    release = serializers.CharField(source="shipped_in.number", read_only=True, allow_null=True, default=None,
                                    help_text="The number of the release that ships it (null: none).")
    risk_computed = serializers.CharField(read_only=True, help_text="The risk the questionnaire gave (empty until "
                                                                     "it is answered); `risk` differs only by an "
                                                                     "override.")

    class Meta:
        model = Change
        fields = FIELDS
        read_only_fields = fields


class ChangeConflictSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["service", "assignee", "ci", "blackout", "maintenance"], read_only=True)
    text = serializers.CharField(read_only=True)
    change = serializers.SerializerMethodField(help_text="The other change's number (null for a blackout).")
    blocking = serializers.BooleanField(read_only=True, help_text="True: the change cannot be scheduled.")

    def get_change(self, conflict: Conflict) -> str | None:
        return conflict.other.number if conflict.other is not None else None


class RiskAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id", read_only=True)
    question_text = serializers.CharField(source="question.text", read_only=True)
    answer = serializers.IntegerField(source="answer_id", read_only=True)
    answer_text = serializers.CharField(source="answer.text", read_only=True)
    weight = serializers.IntegerField(source="answer.weight", read_only=True)


class RiskQuestionAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskAnswer
        fields = ["id", "text", "weight"]
        read_only_fields = fields


class RiskQuestionSerializer(serializers.ModelSerializer):
    """A question of the risk questionnaire with its weighted answers."""

    answers = RiskQuestionAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = RiskQuestion
        fields = ["id", "text", "help_text", "answers"]
        read_only_fields = fields


class RiskAssessmentSerializer(StrictInputMixin, serializers.Serializer):
    answers = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                                    help_text='{"question id": answer id} for every question of '
                                              "GET /api/v1/change-risk-questions/.")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate_answers(self, answers: dict[str, int]) -> dict[int, int]:
        try:
            return {int(key): value for key, value in answers.items()}
        except ValueError:
            raise serializers.ValidationError("The keys are question ids (numbers).") from None


class RiskOverrideSerializer(StrictInputMixin, serializers.Serializer):
    risk = serializers.ChoiceField(choices=Risk.choices)
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, trim_whitespace=False,
                                   help_text="Why the risk differs from the questionnaire's (journaled).")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ChangeDetailSerializer(TicketDetailMixin, TicketSlaMixin, ChangeSerializer):
    """The detail: the change plus its watchers, links to tickets the caller can see, its SLA timers, and what
    its planned window collides with (while it is open)."""

    conflicts = serializers.SerializerMethodField()
    other_services = serializers.SerializerMethodField(help_text="The services it also affects, besides `service`.")
    risk_answers = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField(help_text="The latest approval asked of an approver group (null "
                                                           "when none was).")

    class Meta(ChangeSerializer.Meta):
        fields = [*FIELDS, "other_services", "watchers", "links", "sla", "conflicts", "risk_answers", "approval"]
        read_only_fields = fields

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_other_services(self, change: Change) -> list[dict[str, Any]]:
        return [{"id": service.pk, "name": service.name} for service in change.other_services.order_by("name")]

    @extend_schema_field(RiskAnswerSerializer(many=True))
    def get_risk_answers(self, change: Change) -> list[dict[str, Any]]:
        return list(RiskAnswerSerializer(change.risk_answers.select_related("question", "answer"), many=True).data)

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
                                         "requester", "risk_score", "risk_computed", "risk_override_reason", "release"}

    change_type = inline_choice_field(ChangeType.choices, required=False)
    risk = inline_choice_field(Risk.choices, required=False)
    change_manager = reference_field("change manager (GET /api/v1/users/), a member of the desk")
    justification = long_text_field()
    implementation_plan = long_text_field()
    backout_plan = long_text_field()
    test_plan = long_text_field()
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    other_services = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                                           required=False, max_length=100,
                                           help_text="Ids of the services it also affects (replaces the list).")
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
    related = (*TicketViewSet.related, "change_manager", "authorized_by", "shipped_in")
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
        others = self.services_of(data.pop("other_services", None))
        with transaction.atomic():  # the change, its template's tasks and the services it also affects, or nothing
            change = cast(Change, super().perform_create_ticket(data))
            if template_id is not None:
                services.add_template_tasks(change, template, self.request.user)
            if others is not None:
                services.set_other_services(change, self.request.user, others)
        return change

    def services_of(self, ids: list[int] | None) -> list[Any] | None:
        if ids is None:
            return None
        from catalog.models import Service

        found = list(Service.objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {service.pk for service in found})
        if missing:
            raise ValidationError({"other_services": [f"No such service: {', '.join(map(str, missing))}."]})
        return found

    def perform_update_ticket(self, ticket: Any, data: dict[str, Any], version: int | None) -> Any:
        """The fields through the core's write path, then the services it also affects."""
        others = self.services_of(data.pop("other_services", None))
        with transaction.atomic():
            updated = cast(Change, super().perform_update_ticket(ticket, data, version))
            if others is not None:
                services.set_other_services(updated, self.request.user, others)
        return updated

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

    @extend_schema(summary="Answer the risk questionnaire (the risk follows)", request=RiskAssessmentSerializer,
                   responses={200: ChangeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="risk-assessment")
    def risk_assessment(self, request: Request, number: str | None = None) -> Response:
        change = self.lookup_ticket()
        data = self.validated(RiskAssessmentSerializer(data=request.data))
        risk.assess(change, request.user, data["answers"], expected_version=data.get("version"))
        return self.ticket_response(change.pk)

    @extend_schema(summary="Override the questionnaire's risk, with a reason (the change manager)",
                   request=RiskOverrideSerializer, responses={200: ChangeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="risk-override")
    def risk_override(self, request: Request, number: str | None = None) -> Response:
        change = self.lookup_ticket()
        data = self.validated(RiskOverrideSerializer(data=request.data))
        risk.override(change, request.user, data["risk"], data["reason"], expected_version=data.get("version"))
        return self.ticket_response(change.pk)


@extend_schema_view(list=extend_schema(summary="The risk questionnaire: its questions and weighted answers"),
                    retrieve=extend_schema(summary="One question"))
class RiskQuestionViewSet(viewsets.ReadOnlyModelViewSet):
    """The active questions of the risk questionnaire (the desk only), in order."""

    serializer_class = RiskQuestionSerializer
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    pagination_class = None

    def get_queryset(self) -> Any:
        return RiskQuestion.objects.filter(active=True).prefetch_related("answers")


urlpatterns: list[URLPattern] = child_routes(CHANGE, "changes")


class CalendarQuerySerializer(StrictInputMixin, serializers.Serializer):
    from_ = serializers.DateTimeField(help_text="Start of the period (ISO 8601; a date is its local midnight).")
    to = serializers.DateTimeField(help_text="End of the period, at most 92 days after its start.")
    service = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    change_type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("from_")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "from_" in attrs:  # the field is named "from" (a Python keyword) after it was declared
            attrs["from"] = attrs.pop("from_")
        start, end = attrs["from"], attrs["to"]
        if end <= start:
            raise serializers.ValidationError({"to": ["The end of the period comes after its start."]})
        if end - start > timedelta(days=calendar.MAX_DAYS):
            raise serializers.ValidationError({"to": [f"At most {calendar.MAX_DAYS} days at once."]})
        return attrs


class CalendarEventSerializer(serializers.Serializer):
    number = serializers.CharField(source="change.number")
    title = serializers.CharField(source="change.title")
    state = serializers.CharField(source="change.state")
    change_type = serializers.CharField(source="change.change_type")
    risk = serializers.CharField(source="change.risk")
    service = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    planned_start = serializers.DateTimeField(source="change.planned_start")
    planned_end = serializers.DateTimeField(source="change.planned_end")
    linked = serializers.BooleanField(help_text="Whether the caller may open the change (GET /changes/{number}/).")
    conflicts = ChangeConflictSerializer(many=True)

    def get_service(self, event: Any) -> dict[str, Any] | None:
        service = event.change.service if event.change.service_id else None
        return {"id": service.pk, "name": service.name} if service else None

    def get_team(self, event: Any) -> dict[str, Any] | None:
        team = event.change.team if event.change.team_id else None
        return {"id": team.pk, "name": team.name} if team else None


class CalendarSerializer(serializers.Serializer):
    events = CalendarEventSerializer(many=True)


class CalendarView(APIView):
    """The change calendar of a period: the scheduled and implementing changes whose window meets it, with their
    conflicts (the whole desk sees every scheduled change; `linked` says which the caller may open)."""

    permission_classes = [IsAuthenticated, role_permission("tickets.work")]

    @extend_schema(summary="The change calendar of a period, with conflicts", parameters=[CalendarQuerySerializer],
                   responses={200: CalendarSerializer})
    def get(self, request: Request) -> Response:
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = {name: data[name] for name in calendar.FILTERS if name in data}
        found = calendar.events(request.user, data["from"], data["to"], filters)
        return Response({"events": CalendarEventSerializer(found, many=True).data})
