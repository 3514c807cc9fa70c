"""The approvals API under /api/v1/approvals/: the caller's own approvals, of any kind of ticket (core.approvals).

- GET /approvals/ (?decision=pending|approved|rejected, ?state= of the approval): what the caller is asked to
  approve and what they decided, the oldest request first;
- GET /approvals/{id}/: one of them (anybody else's answers 404);
- POST /approvals/{id}/decision/ {"decision": "approve" | "reject", "comment"}: decide (a rejection says why).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core import approvals, kinds
from core.api.serializers import StrictInputMixin, UserRefSerializer, inline_choice_field
from core.limits import TEXT_MAX_LENGTH
from core.models import ApprovalRule, ApprovalState, ApprovalVote, VoteDecision


class ApprovalTicketSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class VoteSerializer(serializers.ModelSerializer):
    """One approver's vote, as the ticket's approval panel lists it."""

    approver = UserRefSerializer(read_only=True)
    decision = inline_choice_field(VoteDecision.choices, read_only=True)

    class Meta:
        model = ApprovalVote
        fields = ["approver", "decision", "comment", "decided_at"]
        read_only_fields = fields


class ApprovalSummarySerializer(serializers.Serializer):
    """An approval of a ticket: the group asked, its rule, where it stands and every vote."""

    group = serializers.CharField(source="name", read_only=True)
    rule = inline_choice_field(ApprovalRule.choices, read_only=True)
    required = serializers.IntegerField(read_only=True)  # type: ignore[assignment]  # a field named "required"
    state = inline_choice_field(ApprovalState.choices, read_only=True)
    progress = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True)
    votes = VoteSerializer(many=True, read_only=True)

    def get_progress(self, approval: Any) -> str:
        return approvals.progress(approval)


class ApprovalSerializer(serializers.ModelSerializer):
    """One approval the caller is asked for (their vote), with its ticket and where the group stands."""

    ticket = ApprovalTicketSerializer(source="approval.ticket", read_only=True)
    group = serializers.CharField(source="approval.name", read_only=True)
    rule = inline_choice_field(ApprovalRule.choices, source="approval.rule", read_only=True)
    rule_text = serializers.SerializerMethodField(help_text='The rule in words: "any one of 3 approvers".')
    approval_state = inline_choice_field(ApprovalState.choices, source="approval.state", read_only=True)
    progress = serializers.SerializerMethodField(help_text='"1 of 2 approvals"')
    requested_at = serializers.DateTimeField(source="approval.requested_at", read_only=True)
    decision = inline_choice_field(VoteDecision.choices, read_only=True)

    class Meta:
        model = ApprovalVote
        fields = ["id", "ticket", "group", "rule", "rule_text", "approval_state", "progress", "requested_at",
                  "decision", "comment", "decided_at"]
        read_only_fields = fields

    def get_rule_text(self, vote: ApprovalVote) -> str:
        approval = vote.approval
        return approvals.describe(approval.rule, approval.required, len(approval.votes.all()))

    def get_progress(self, vote: ApprovalVote) -> str:
        return approvals.progress(vote.approval)


class VoteInputSerializer(StrictInputMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=TEXT_MAX_LENGTH,
                                    help_text="Why: required to reject (the owner reads it).")


class ApprovalFilter(filters.FilterSet):
    decision = filters.ChoiceFilter(choices=VoteDecision.choices, help_text="The caller's decision.")
    state = filters.ChoiceFilter(field_name="approval__state", choices=ApprovalState.choices,
                                 help_text="Where the approval stands.")
    kind = filters.ChoiceFilter(field_name="approval__ticket__kind",
                                choices=lambda: [(kind.key, kind.label) for kind in kinds.registered()])

    class Meta:
        model = ApprovalVote
        fields = ["decision", "state", "kind"]


@extend_schema_view(
    list=extend_schema(summary="My approvals: what the caller is asked to approve, and decided"),
    retrieve=extend_schema(summary="One of my approvals"),
)
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's approvals; nobody sees another approver's (404)."""

    serializer_class = ApprovalSerializer
    permission_classes = [IsAuthenticated]  # an approver may be an end user (someone's manager): their own only
    filterset_class = ApprovalFilter

    def get_queryset(self) -> QuerySet[ApprovalVote]:
        return (ApprovalVote.objects.filter(approver_id=self.request.user.pk)
                .select_related("approval__group", "approval__ticket").prefetch_related("approval__votes")
                .defer("approval__ticket__search", "approval__ticket__description")
                .order_by("approval__requested_at", "pk"))

    @extend_schema(summary="Approve or reject", request=VoteInputSerializer, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str | None = None) -> Response:
        vote = self.get_object()
        data = VoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approvals.decide(vote, request.user, approve=data.validated_data["decision"] == "approve",
                         comment=data.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=vote.pk)).data)
