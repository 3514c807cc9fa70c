"""The surveys API (/api/v1/surveys/...), the same conventions as the rest of /api/v1/. End users answer surveys
and read their own answers, nothing else here; agents read the answers on the tickets they may see; managers all.

- GET /surveys/csat/: the CSAT answers the caller may read (managers all, agents those on their teams' and
  assigned tickets, end users their own); `?ordering=` updated_at, score.
- POST /surveys/csat/ {ticket: number, score 1-5, comment, reopen}: the requester's answer for a resolved ticket
  they were asked about (201 first, 200 when it replaces the earlier one); a ticket the caller may not see is 404,
  someone else's ticket 403, a ticket without a survey 400 on `ticket`, `reopen` a ticket that cannot be on
  `reopen`.
- GET /surveys/nps/: NPS invitations and answers (managers all, anyone else their own);
  POST /surveys/nps/{id}/answer/ {score 0-10, comment}: the caller's own invitation (another's is 404).
- GET /surveys/nps/summary/: NPS per round (the desk); managers also per organization and service of the
  latest round. End users 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role, can, has_role
from core.api.serializers import StrictInputMixin
from core.models import Ticket
from surveys import figures, services
from surveys.models import COMMENT_MAX_LENGTH, CsatAnswer, NpsInvitation


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class CsatAnswerSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number", read_only=True)
    kind = serializers.CharField(source="ticket.kind", read_only=True)
    person = PersonRefSerializer(read_only=True)

    class Meta:
        model = CsatAnswer
        fields = ["id", "ticket", "kind", "person", "score", "comment", "reopen_requested", "answered_at",
                  "updated_at"]
        read_only_fields = fields


class CsatInputSerializer(StrictInputMixin, serializers.Serializer):
    ticket = serializers.CharField(max_length=16)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="")
    reopen = serializers.BooleanField(required=False, default=False)


def _raise(exc: ValidationError) -> None:
    raise DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class CsatViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Satisfaction answers: read what the caller may, answer for a ticket they requested."""

    serializer_class = CsatAnswerSerializer
    permission_classes = [IsAuthenticated]
    extra_error_statuses = {"POST": {403, 404}}  # a ticket the caller may not see; someone else's
    ordering_fields = ["updated_at", "score"]
    ordering = ["-updated_at", "-id"]
    search_fields: list[str] = []
    filterset_class = None

    def get_queryset(self) -> Any:
        return figures.csat_answers(self.request.user).select_related("ticket", "person").order_by("-updated_at",
                                                                                                   "-id")

    @extend_schema(request=CsatInputSerializer, responses={200: CsatAnswerSerializer, 201: CsatAnswerSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CsatInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = Ticket.objects.visible_to(request.user).filter(number=values["ticket"]).first()
        if ticket is None:
            raise NotFound("No such ticket.")
        existed = CsatAnswer.objects.filter(ticket_id=ticket.pk).exists()
        try:
            answer = services.answer_csat_for(ticket, request.user, values["score"], values["comment"],
                                              reopen=values["reopen"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except ValidationError as exc:
            _raise(exc)
        answer = CsatAnswer.objects.select_related("ticket", "person").get(pk=answer.pk)
        return Response(CsatAnswerSerializer(answer).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class NpsSerializer(serializers.ModelSerializer):
    starts_on = serializers.DateField(source="round.starts_on", read_only=True)
    ends_on = serializers.DateField(source="round.ends_on", read_only=True)
    person = PersonRefSerializer(read_only=True)
    organization = serializers.CharField(source="organization.name", read_only=True, allow_null=True, default=None)
    service = serializers.CharField(source="service.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = NpsInvitation
        fields = ["id", "starts_on", "ends_on", "person", "organization", "service", "score", "comment",
                  "invited_at", "answered_at"]
        read_only_fields = fields


class NpsInputSerializer(StrictInputMixin, serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="")


NPS_ROW: dict[str, serializers.Field] = {"invited": serializers.IntegerField(), "answers": serializers.IntegerField(),
           "promoters": serializers.IntegerField(), "passives": serializers.IntegerField(),
           "detractors": serializers.IntegerField(),
           "nps": serializers.FloatField(allow_null=True, help_text="% promoters - % detractors, -100 to 100"),
           "response_rate": serializers.FloatField(allow_null=True)}
SummarySerializer = inline_serializer("NpsSummary", fields={
    "rounds": inline_serializer("NpsRoundFigures", many=True, fields={
        "starts_on": serializers.DateField(), "ends_on": serializers.DateField(), **NPS_ROW}),
    "by_organization": inline_serializer("NpsOrganizationFigures", many=True, fields={
        "name": serializers.CharField(allow_null=True), **NPS_ROW}),
    "by_service": inline_serializer("NpsServiceFigures", many=True, fields={
        "name": serializers.CharField(allow_null=True), **NPS_ROW}),
})


class NpsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """NPS invitations and answers; the caller answers their own; the figures per round."""

    serializer_class = NpsSerializer
    permission_classes = [IsAuthenticated]
    extra_error_statuses = {"GET": {403}, "POST": {404}}  # the summary is the desk's; another's invitation
    ordering_fields = ["invited_at", "answered_at", "score"]
    ordering = ["-invited_at", "-id"]
    search_fields: list[str] = []
    filterset_class = None
    queryset = NpsInvitation.objects.none()

    def get_queryset(self) -> Any:
        qs = NpsInvitation.objects.select_related("round", "person", "organization", "service")
        if not has_role(self.request.user, Role.MANAGER):
            qs = qs.filter(person_id=self.request.user.pk)
        return qs.order_by("-invited_at", "-id")

    @extend_schema(request=NpsInputSerializer, responses={200: NpsSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Answer (or change the answer to) one of the caller's own NPS invitations."""
        try:
            key = int(pk or "")
        except ValueError:
            raise NotFound("No such invitation.") from None
        invitation = NpsInvitation.objects.filter(pk=key, person_id=request.user.pk).first()
        if invitation is None:
            raise NotFound("No such invitation.")
        data = NpsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.answer_nps(invitation, request.user, data.validated_data["score"],
                                data.validated_data["comment"])
        except ValidationError as exc:
            _raise(exc)
        return Response(NpsSerializer(self.get_queryset().get(pk=invitation.pk)).data)

    @extend_schema(responses={200: SummarySerializer})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request: Request) -> Response:
        """NPS per round (newest first); for managers also per organization and service of the latest round."""
        if not can(request.user, "tickets.work"):
            raise PermissionDenied("Your role does not allow this.")
        rounds = [{"starts_on": r["round__starts_on"], "ends_on": r["round__ends_on"],
                   **{k: r[k] for k in NPS_ROW}} for r in figures.nps_by_round()]
        manager = has_role(request.user, Role.MANAGER)
        latest = figures.nps_by_round(limit=1)
        round_id = latest[0]["round_id"] if latest and manager else None
        return Response({"rounds": rounds,
                         "by_organization": [{"name": r["name"], **{k: r[k] for k in NPS_ROW}}
                                             for r in figures.nps_breakdown(round_id, "organization")],
                         "by_service": [{"name": r["name"], **{k: r[k] for k in NPS_ROW}}
                                        for r in figures.nps_breakdown(round_id, "service")]})
