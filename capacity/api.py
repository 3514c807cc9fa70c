"""Capacity management's API (end users get 403 everywhere, anonymous callers 401):

- /capacity/metrics/: list (filters `ci`, `service`, `level`, `q`: words of the name) and detail, each with its
  last value, utilisation (%) and forecast (`capacity.read`: agents and above); create, PATCH, DELETE
  (`capacity.manage`: managers). A metric belongs to a configuration item (`ci`, its id) or a service (`service`,
  its id).
- /capacity/samples/: list (filters `metric`, `since`, `until`; newest first, `capacity.read`); POST a batch
  `{"samples": [{"metric": 7, "at": "...", "value": 1520}, {"ci": "fs-01", "name": "Storage", ...}]}`
  (`capacity.send`: agents, so an integration's user, as for events): all or nothing, 400 naming each problem by
  its path (`samples[3].value`); a sample already stored (same metric and time) is not stored again. Samples also
  come from monitoring's metric alerts (capacity.alerts: the label `capacity_metric` and the annotation `value`).
- /capacity/report/: the metrics closest to exhaustion (forecast date, then utilisation), `?limit=` (50, at most
  500) (`capacity.read`).
- /capacity/desk/: open tickets per team and per agent against the desk's capacity (`capacity.desk`: managers).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as ModelError
from django.urls import URLPattern, path
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from capacity import desk, forecast, ingest, services
from capacity.choices import Level, Outlook
from capacity.models import Metric, Sample
from catalog.models import Service
from cmdb.models import ConfigurationItem
from core import clock
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin, inline_choice_field
from core.api.throttling import AnonRateThrottle, ScopedRateThrottle

READ: list[Any] = [IsAuthenticated, role_permission("capacity.read")]
MANAGE: list[Any] = [IsAuthenticated, role_permission("capacity.manage")]
SEND: list[Any] = [IsAuthenticated, role_permission("capacity.send")]
DESK: list[Any] = [IsAuthenticated, role_permission("capacity.desk")]
SAFE = ("GET", "HEAD", "OPTIONS")


class ForecastSerializer(serializers.Serializer):
    outlook = inline_choice_field(Outlook.choices)
    reach_at = serializers.DateTimeField(allow_null=True, help_text="When the fitted line reaches the capacity.")
    slope_per_day = serializers.FloatField(allow_null=True, help_text="How much the line rises a day, in the unit.")
    samples = serializers.IntegerField(help_text="Samples in the forecast window.")


class MetricSerializer(serializers.ModelSerializer):
    """A metric with its figures; `forecast` comes from the view's one query (capacity.forecast.rows)."""

    ci = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.all(), required=False,
                                            allow_null=True, help_text="The configuration item's id.")
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), required=False, allow_null=True,
                                                 help_text="The service's id.")
    capacity = serializers.FloatField(min_value=0.000001, max_value=1e15, help_text="The limit, in the unit.",
                                      error_messages={"min_value": "Give a capacity above zero.",
                                                      "max_value": "Give a capacity of at most 10¹⁵."})
    utilisation = serializers.SerializerMethodField(help_text="The last value as % of the capacity.")
    level = inline_choice_field(Level.choices, read_only=True)
    forecast = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = ["id", "name", "unit", "capacity", "warning_pct", "critical_pct", "ci", "service", "window_days",
                  "alert_within_days", "description", "last_value", "last_at", "utilisation", "level", "forecast"]
        read_only_fields = ["last_value", "last_at"]
        validators: list[Any] = []  # the model checks its constraints (services.save_metric)

    def get_utilisation(self, metric: Metric) -> float | None:
        return None if metric.utilisation is None else round(metric.utilisation, 2)

    @extend_schema_field(ForecastSerializer(allow_null=True))
    def get_forecast(self, metric: Metric) -> dict[str, Any] | None:
        fitted = self.context.get("fits", {}).get(metric.pk)
        if fitted is None:
            return None
        seen = forecast.outlook(fitted, self.context["now"])
        return {"outlook": seen.outlook, "reach_at": seen.reach_at, "slope_per_day": seen.slope_per_day,
                "samples": seen.samples}


class MetricFilter(filters.FilterSet):
    ci = filters.NumberFilter(field_name="ci_id", min_value=1, max_value=2**31 - 1)
    service = filters.NumberFilter(field_name="service_id", min_value=1, max_value=2**31 - 1)
    level = filters.ChoiceFilter(choices=Level.choices)
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Metric
        fields = ["ci", "service", "level", "q"]


def fits_of(metrics: list[Metric]) -> dict[int, Metric]:
    return {m.pk: m for m in forecast.rows(clock.now(), ids=[m.pk for m in metrics])} if metrics else {}


@extend_schema_view(list=extend_schema(summary="Capacity metrics, with utilisation and forecast"),
                    retrieve=extend_schema(summary="One capacity metric"),
                    create=extend_schema(summary="Define a capacity metric"),
                    partial_update=extend_schema(summary="Change a capacity metric"),
                    destroy=extend_schema(summary="Delete a capacity metric and its samples"))
class MetricViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Capacity metrics, by id."""

    serializer_class = MetricSerializer
    filterset_class = MetricFilter
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]{1,9}"
    queryset = Metric.objects.order_by("name", "id")

    def get_permissions(self) -> list[Any]:
        return [permission() for permission in (READ if self.request.method in SAFE else MANAGE)]

    def answer(self, metrics: list[Metric], *, many: bool) -> Any:
        context = {**self.get_serializer_context(), "fits": fits_of(metrics), "now": clock.now()}
        return MetricSerializer(metrics if many else metrics[0], many=many, context=context).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.answer(list(page or []), many=True))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.answer([self.get_object()], many=False))

    def save(self, metric: Metric, data: Any, *, partial: bool) -> dict[str, Any]:
        serializer = MetricSerializer(metric if metric.pk else None, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            services.save_metric(metric, serializer.validated_data)
        except ModelError as exc:
            raise ValidationError({("non_field_errors" if key == "__all__" else key): value
                                   for key, value in exc.message_dict.items()}) from exc
        return self.answer([metric], many=False)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.save(Metric(), request.data, partial=False), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.save(self.get_object(), request.data, partial=True))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


class SampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sample
        fields = ["metric", "at", "value"]
        read_only_fields = fields


class SampleItemSerializer(serializers.Serializer):
    """One sample (documentation: the batch checks each item itself, naming each problem by its path)."""

    metric = serializers.IntegerField(required=False, help_text="The metric's id; or give ci (or service) and name.")
    ci = serializers.CharField(required=False, help_text="The configuration item's name.")
    service = serializers.CharField(required=False, help_text="The service's slug or name.")
    name = serializers.CharField(required=False, help_text="The metric's name on that CI or service.")
    at = serializers.DateTimeField(help_text="When it was measured (RFC 3339, with its offset).")
    value = serializers.FloatField(min_value=0, help_text="The measured value, in the metric's unit.")


class SampleBatchSerializer(StrictInputMixin, serializers.Serializer):
    samples = serializers.ListField(child=serializers.JSONField(), allow_empty=False,
                                    max_length=ingest.MAX_SAMPLES,
                                    help_text=f"At most {ingest.MAX_SAMPLES:,} samples.")


class SampleBatchDocSerializer(SampleBatchSerializer):
    samples = SampleItemSerializer(many=True)  # type: ignore[assignment]


STORED = inline_serializer("CapacitySamplesStored", {
    "stored": serializers.IntegerField(help_text="Samples stored now."),
    "duplicates": serializers.IntegerField(help_text="Samples stored before (same metric and time): not again."),
})


class SampleFilter(filters.FilterSet):
    metric = filters.NumberFilter(field_name="metric_id", min_value=1, max_value=2**31 - 1)
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Sample
        fields = ["metric", "since", "until"]


class SampleView(generics.ListAPIView):
    """Samples, newest first; POST stores a batch."""

    serializer_class = SampleSerializer
    filterset_class = SampleFilter
    filter_backends = [DjangoFilterBackend]
    queryset = Sample.objects.order_by("-at", "-id")
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "events"

    def get_permissions(self) -> list[Any]:
        return [permission() for permission in (READ if self.request.method in SAFE else SEND)]

    @extend_schema(summary="Capacity samples", tags=["capacity"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Store a batch of capacity samples (all or nothing; a sample sent twice is stored once)",
        request=SampleBatchDocSerializer, tags=["capacity"],
        responses={201: STORED, 400: OpenApiResponse(
            description="The problems by path, e.g. {\"samples[3].value\": [\"Give a number.\"]}; nothing stored.")},
        examples=[OpenApiExample("By id and by CI and name", request_only=True, value={"samples": [
            {"metric": 7, "at": "2026-12-05T10:00:00Z", "value": 1520},
            {"ci": "fs-01", "name": "Storage", "at": "2026-12-05T10:00:00Z", "value": 1520}]})])
    def post(self, request: Request) -> Response:
        body = SampleBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = ingest.read(body.validated_data["samples"], clock.now())
        if batch.errors:
            return Response(batch.errors, status=status.HTTP_400_BAD_REQUEST)
        stored, duplicates = services.record(batch.readings)
        return Response({"stored": stored, "duplicates": duplicates}, status=status.HTTP_201_CREATED)


class ReportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    ci = serializers.DictField(allow_null=True, help_text="{id, name} of its configuration item.")
    service = serializers.DictField(allow_null=True, help_text="{id, name} of its service.")
    capacity = serializers.FloatField()
    last_value = serializers.FloatField(allow_null=True)
    last_at = serializers.DateTimeField(allow_null=True)
    utilisation = serializers.FloatField(allow_null=True)
    level = inline_choice_field(Level.choices)
    forecast = ForecastSerializer()


def report_row(metric: Metric, now: Any) -> dict[str, Any]:
    seen = forecast.outlook(metric, now)
    return {
        "id": metric.pk, "name": metric.name, "unit": metric.unit,
        "ci": {"id": metric.ci_id, "name": getattr(metric, "ci_name", "")} if metric.ci_id else None,
        "service": {"id": metric.service_id, "name": getattr(metric, "service_name", "")} if metric.service_id
        else None,
        "capacity": metric.capacity, "last_value": metric.last_value, "last_at": metric.last_at,
        "utilisation": None if metric.utilisation is None else round(metric.utilisation, 2), "level": metric.level,
        "forecast": {"outlook": seen.outlook, "reach_at": seen.reach_at, "slope_per_day": seen.slope_per_day,
                     "samples": seen.samples},
    }


REPORT = inline_serializer("CapacityReport", {
    "count": serializers.IntegerField(help_text="Every capacity metric."),
    "results": ReportRowSerializer(many=True),
})


class ReportQuerySerializer(StrictInputMixin, serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)


class ReportView(APIView):
    permission_classes = READ

    @extend_schema(summary="The capacity metrics closest to exhaustion", tags=["capacity"],
                   parameters=[ReportQuerySerializer],
                   responses={200: REPORT})
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = clock.now()
        rows = forecast.rows(now, limit=query.validated_data["limit"])
        return Response({"count": Metric.objects.count(), "results": [report_row(m, now) for m in rows]})


class DeskLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    open = serializers.IntegerField(help_text="Open tickets (of the team, or assigned to the agent).")
    capacity = serializers.IntegerField(help_text="Open tickets it can carry.")
    per_agent = serializers.IntegerField()
    utilisation = serializers.FloatField(allow_null=True, help_text="open / capacity, in %.")


class DeskTeamSerializer(DeskLineSerializer):
    agents = serializers.IntegerField()
    unassigned = serializers.IntegerField()


DESK_ANSWER = inline_serializer("CapacityDesk", {
    "teams": DeskTeamSerializer(many=True), "agents": DeskLineSerializer(many=True)})


class DeskView(APIView):
    permission_classes = DESK

    @extend_schema(summary="Open work per team and per agent against the desk's capacity", tags=["capacity"],
                   responses={200: DESK_ANSWER})
    def get(self, request: Request) -> Response:
        teams, agents = desk.figures(request.user)
        return Response({
            "teams": [{**line.as_dict(), "agents": line.agents, "unassigned": line.unassigned} for line in teams],
            "agents": [line.as_dict() for line in agents]})


urlpatterns: list[URLPattern] = [
    path("capacity/samples/", SampleView.as_view(), name="api-capacity-samples"),
    path("capacity/report/", ReportView.as_view(), name="api-capacity-report"),
    path("capacity/desk/", DeskView.as_view(), name="api-capacity-desk"),
]
