"""GET /api/v1/costs/: the cost of each contact per month (`?months=` 1-24, default 6, the current one last), overall
or `?group_by=channel|team|service`; agents get their teams' contacts, managers all, end users 403
(costs.report)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from availability.report import last_months
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin
from costs import report


class CostQuerySerializer(StrictInputMixin, serializers.Serializer):
    months = serializers.IntegerField(required=False, min_value=1, max_value=24, default=6,
                                      help_text="How many months, the current one last (1-24).")
    group_by = serializers.ChoiceField(choices=["channel", "team", "service"], required=False,
                                       help_text="Break each month down by channel, team or service.")


class CostRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    key = serializers.CharField(allow_null=True, help_text="The channel code, team id or service id (grouped).")
    label = serializers.CharField()  # type: ignore[assignment]
    contacts = serializers.IntegerField()
    minutes = serializers.IntegerField(help_text="Time logged on the contacts, minutes.")
    labour = serializers.DecimalField(max_digits=14, decimal_places=2)
    fixed = serializers.DecimalField(max_digits=14, decimal_places=2)
    channel = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    per_contact = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField()


class CostView(APIView):
    """The cost of each contact per month (and per channel, team or service)."""

    permission_classes = [IsAuthenticated, role_permission("costs.view")]

    @extend_schema(summary="Cost of each contact per month", parameters=[CostQuerySerializer],
                   responses={200: CostRowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = CostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params: dict[str, Any] = query.validated_data
        rows = report.rows(request.user, last_months(params["months"]), params.get("group_by"))
        data = [{"month": r.month.strftime("%Y-%m"), "key": None if r.key is None else str(r.key), "label": r.label,
                 "contacts": r.contacts, "minutes": r.minutes, "labour": r.labour, "fixed": r.fixed,
                 "channel": r.channel, "total": r.total, "per_contact": r.per_contact, "currency": report.currency()}
                for r in rows]
        return Response(CostRowSerializer(data, many=True).data)


urlpatterns = [path("costs/", CostView.as_view(), name="api-costs")]
