"""The access register's API.

- GET /api/v1/access-systems/: the systems people are given access to, their levels and limits;
- GET /api/v1/access-grants/ (?person=, ?system=, ?state=, ?expiring_before=): who has which access; an end user
  sees their own only (anybody else's answers 404), the desk sees all;
- POST /api/v1/access-grants/{id}/revoke/ {"reason"}: raise the request revoking it (its holder, or the desk);
  201 with the request's number.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response

from accounts.roles import Role, has_role
from catalog import grants
from catalog.models import AccessGrant, AccessSystem, GrantState
from core.api.serializers import StrictInputMixin, UserRefSerializer, inline_choice_field
from core.api.tickets import MAX_ID


class AccessSystemSerializer(serializers.ModelSerializer):
    levels = serializers.ListField(source="level_list", child=serializers.CharField(), read_only=True)
    owner = UserRefSerializer(read_only=True, allow_null=True)
    owner_group = serializers.CharField(source="owner_group.name", read_only=True, allow_null=True, default=None)
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AccessSystem
        fields = ["id", "name", "description", "levels", "owner", "owner_group", "team", "end_date_required",
                  "max_days", "active"]
        read_only_fields = fields


class AccessGrantSerializer(serializers.ModelSerializer):
    person = UserRefSerializer(read_only=True)
    system = serializers.StringRelatedField(read_only=True)
    system_id = serializers.IntegerField(read_only=True)
    state = inline_choice_field(GrantState.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    requested_item = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True,
                                                  help_text="RITM... that granted it.")
    revoke_item = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True,
                                               help_text="RITM... revoking (or that revoked) it.")
    granted_by = UserRefSerializer(read_only=True, allow_null=True)
    revoked_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AccessGrant
        fields = ["id", "person", "system", "system_id", "level", "until", "state", "state_label", "requested_item",
                  "granted_at", "granted_by", "revoke_item", "revoked_at", "revoked_by", "created_at"]
        read_only_fields = fields


class RevokeInputSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why (the holder and the team read it).")


class RevokeResultSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="REQ... revoking it")


class AccessGrantFilter(filters.FilterSet):
    person = filters.NumberFilter(field_name="person_id", min_value=1, max_value=MAX_ID)
    system = filters.NumberFilter(field_name="system_id", min_value=1, max_value=MAX_ID)
    state = filters.ChoiceFilter(choices=GrantState.choices)
    expiring_before = filters.DateFilter(field_name="until", lookup_expr="lt",
                                         help_text="Access whose last day is before this date (YYYY-MM-DD).")

    class Meta:
        model = AccessGrant
        fields = ["person", "system", "state", "expiring_before"]


@extend_schema_view(list=extend_schema(summary="Systems access is given to"),
                    retrieve=extend_schema(summary="One system"))
class AccessSystemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AccessSystemSerializer
    permission_classes = [IsAuthenticated]
    queryset = AccessSystem.objects.select_related("owner", "owner_group", "team").order_by("name")


@extend_schema_view(list=extend_schema(summary="The access register"),
                    retrieve=extend_schema(summary="One access"))
class AccessGrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who has which access: the desk sees every person's, anybody else their own (another's is 404)."""

    serializer_class = AccessGrantSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = AccessGrantFilter

    def get_queryset(self) -> QuerySet[AccessGrant]:
        rows = AccessGrant.objects.select_related("person", "system", "requested_item", "revoke_item",
                                                  "granted_by", "revoked_by").order_by("-created_at", "-pk")
        user = self.request.user
        return rows if has_role(user, Role.AGENT) else rows.filter(person_id=user.pk)

    @extend_schema(summary="Revoke it (raises the request revoking it)", request=RevokeInputSerializer,
                   responses={201: RevokeResultSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: ApiRequest, pk: str | None = None) -> Response:
        grant = self.get_object()
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = grants.request_revoke(grant, request.user, data.validated_data["reason"])
        return Response({"number": order.number}, status=status.HTTP_201_CREATED)
