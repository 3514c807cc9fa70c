"""The availability API (the desk; end users get 403), the conventions of /api/v1/:

- GET /availability/: each service's availability over a period: `?month=YYYY-MM` (default: this month, up to
  now) or `?since=&until=` (dates, both included, in the desk's time zone), `?service=<id>`; agents get the
  services their teams own or support, managers all. Downtime, planned and degraded time in minutes.
- /availability/outages/: the outages (list with `?service=`, `?ongoing=`; detail) for the desk; managers record
  one (POST), adjust one (PATCH: start, end, severity, description) and delete a false one, each journaled.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from availability import report
from availability import services as outages
from availability.choices import Severity, Source
from availability.models import Outage
from catalog.models import Service
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer, StrictInputMixin, inline_choice_field
from core.api.tickets import MAX_ID

READ: list[Any] = [IsAuthenticated, role_permission("availability.view")]
MAX_DAYS = 3660  # a period of at most ten years


class AvailabilityQuerySerializer(StrictInputMixin, serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                   help_text="A calendar month, YYYY-MM (default: this month, up to now).")
    since = serializers.DateField(required=False, help_text="The first day of the period (with `until`).")
    until = serializers.DateField(required=False, help_text="The last day of the period, included.")
    service = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                       help_text="Only this service.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        since, until, month = data.get("since"), data.get("until"), data.get("month")
        if month and (since or until):
            raise serializers.ValidationError({"month": ["Give a month or since/until, not both."]})
        if bool(since) != bool(until):
            raise serializers.ValidationError({"until" if since else "since": ["Give both since and until."]})
        if since and until:
            if until < since:
                raise serializers.ValidationError({"until": ["The end date must not be before the start date."]})
            if (until - since).days > MAX_DAYS:
                raise serializers.ValidationError({"until": [f"A period is at most {MAX_DAYS} days."]})
        if month and not 1900 <= int(month[:4]) <= 9998:
            raise serializers.ValidationError({"month": ["Give a month between 1900 and 9998."]})
        if since and until and (since.year < 1900 or until.year > 9998):
            raise serializers.ValidationError({"since": ["Give dates between 1900 and 9998."]})
        return data


class FigureSerializer(serializers.Serializer):
    service = NamedRefSerializer()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField(help_text="End of the period (exclusive), cut at now while it runs.")
    availability = serializers.FloatField(allow_null=True, help_text="Percent; null for a period not begun.")
    target = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True,
                                      help_text="The service's availability target, percent.")
    below_target = serializers.BooleanField()
    downtime_minutes = serializers.FloatField(help_text="Unplanned downtime: full outages less planned maintenance.")
    planned_minutes = serializers.FloatField(help_text="Outage time within scheduled changes (not counted).")
    degraded_minutes = serializers.FloatField(help_text="Partial outages (not counted).")


def period_of(data: dict[str, Any]) -> report.Period:
    zone = report.desk_zone()
    if data.get("since"):
        since, until = data["since"], data["until"] + timedelta(days=1)
        start = datetime.combine(since, time.min, tzinfo=zone)
        end = min(datetime.combine(until, time.min, tzinfo=zone), max(report.clock.now(), start))
        return report.Period(start, end, f"{since.isoformat()}/{data['until'].isoformat()}")
    month = data.get("month")
    first = date(int(month[:4]), int(month[5:]), 1) if month else report.clock.now().astimezone(zone).date()
    return report.month_period(first)


class AvailabilityView(APIView):
    """Each service's availability over a period against its target."""

    permission_classes = READ

    @extend_schema(summary="Availability per service over a period", parameters=[AvailabilityQuerySerializer],
                   responses={200: FigureSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_of(query.validated_data)
        services = report.visible_services(request.user)
        if query.validated_data.get("service"):
            services = services.filter(pk=query.validated_data["service"])
        else:
            services = services.filter(active=True)
        chosen = list(services.select_related("availability_target").order_by("name"))
        found = report.figures([period], [s.pk for s in chosen]) if chosen else {}
        rows = []
        for service in chosen:
            figure = found.get((0, service.pk)) or report.Figure(service.pk, period)
            figure.target = getattr(getattr(service, "availability_target", None), "target", None)
            rows.append({"service": service, "since": period.since, "until": period.until,
                         "availability": figure.availability, "target": figure.target, "below_target": figure.below,
                         "downtime_minutes": round(figure.downtime / 60, 1),
                         "planned_minutes": round(figure.planned / 60, 1),
                         "degraded_minutes": round(figure.degraded / 60, 1)})
        return Response(FigureSerializer(rows, many=True).data)


class OutageSerializer(StrictInputMixin, serializers.ModelSerializer):
    service: serializers.PrimaryKeyRelatedField[Service] = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), help_text="The service's id (on create only).")
    severity = inline_choice_field(Severity.choices, required=False)
    source = inline_choice_field(Source.choices, read_only=True)  # type: ignore[assignment]
    incident = serializers.SerializerMethodField(help_text="The number of the incident that caused it, if any.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    class Meta:
        model = Outage
        fields = ["id", "service", "start", "end", "severity", "source", "incident", "description", "adjusted",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "source", "incident", "adjusted", "created_at", "updated_at"]

    def get_incident(self, outage: Outage) -> str | None:
        return outage.incident.number if outage.incident_id and outage.incident else None

    def validate_service(self, service: Service) -> Service:
        request = self.context.get("request")
        if request is not None and not report.visible_services(request.user).filter(pk=service.pk).exists():
            raise serializers.ValidationError("No such service.")
        if self.instance is not None and service.pk != self.instance.service_id:
            raise serializers.ValidationError("An outage stays on its service: delete it and record another.")
        return service


class OutageFilter(filters.FilterSet):
    service = filters.NumberFilter(field_name="service_id", min_value=1, max_value=MAX_ID)
    ongoing = filters.BooleanFilter(field_name="end", lookup_expr="isnull", label="Ongoing (no end yet)")

    class Meta:
        model = Outage
        fields = ["service", "ongoing"]


class OutageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The outages of the services the caller may see, newest first; managers write them."""

    serializer_class = OutageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OutageFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self) -> list[Any]:
        permission = "availability.view" if self.action in ("list", "retrieve", None) else "availability.manage"
        return [IsAuthenticated(), role_permission(permission)()]

    def get_queryset(self) -> QuerySet[Outage]:
        if getattr(self, "swagger_fake_view", False):
            return Outage.objects.none()
        return (Outage.objects.filter(service__in=report.visible_services(self.request.user))
                .select_related("incident").order_by("-start", "-id"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service = data.pop("service")
        outage = outages.record(request.user, service, data)
        return Response(self.get_serializer(outage).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outage = self.get_object()
        serializer = self.get_serializer(outage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "service"}
        outage = outages.update(request.user, outage, data)
        return Response(self.get_serializer(outage).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outages.delete(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [path("availability/", AvailabilityView.as_view(), name="api-availability")]
