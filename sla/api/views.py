"""The SLA endpoints: schedules, definitions, timers and the dashboard's report.

- /sla/schedules/ and /sla/definitions/: agents, managers and admins read; admins write; end users 403.
  Deleting one that is in use answers 409 and says what uses it (they are PROTECTed, never a 500).
- /sla/timers/: agents and up (end users 403), scoped by THE access rule: an agent lists the timers of the
  tickets they can see, and counts only those. Managers and admins see all, without the access-rule subquery.
- /sla/report/: managers and admins (agents and end users 403), the figures of sla.report.report().
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import ProtectedError, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role, can, has_role
from core.api.filters import StableOrderingFilter
from core.api.permissions import role_permission
from core.filters import ScopedFilterSet
from core.models import Ticket
from sla import calendars
from sla.api.serializers import (
    LoadHolidaysResultSerializer,
    LoadHolidaysSerializer,
    ReportQuerySerializer,
    ReportSerializer,
    ScheduleSerializer,
    SlaDefinitionSerializer,
    SlaDefinitionWriteSerializer,
    TimerSerializer,
    attach_business,
)
from sla.filters import DEFAULT_ORDERING, ORDERING_FIELDS, TimerFilter
from sla.models import AgreementType, Schedule, SlaDefinition, SlaTimer, Target
from sla.report import parse_period, report, report_kinds

CONFLICT = OpenApiResponse(description="In use: the body's `detail` says by what.")


class SlaConfigPermission(BasePermission):
    """Reading schedules and definitions: agents and up. Changing them: admins only."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return can(user, "tickets.work")
        if not can(user, "admin.access"):
            self.message = "Only administrators can change SLA schedules and definitions."
            return False
        return True


def conflict(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)


def listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


@extend_schema_view(
    list=extend_schema(summary="Schedules (business hours, time zone, holidays)"),
    retrieve=extend_schema(summary="One schedule"),
    create=extend_schema(summary="Create a schedule (admins)"),
    update=extend_schema(summary="Replace a schedule (admins)"),
    partial_update=extend_schema(summary="Change a schedule (admins); `hours` or `holidays` replace the list"),
    destroy=extend_schema(summary="Delete a schedule no definition uses (admins)", responses={204: None,
                                                                                           409: CONFLICT}),
)
class ScheduleViewSet(viewsets.ModelViewSet):
    """When SLA clocks run: working ranges per weekday in a time zone, minus holidays (or 24x7)."""

    queryset = Schedule.objects.prefetch_related("hours", "holidays").order_by("name")
    serializer_class = ScheduleSerializer
    permission_classes = [IsAuthenticated, SlaConfigPermission]
    filter_backends = [StableOrderingFilter, filters.SearchFilter]
    ordering_fields = ["name", "id"]
    ordering = ["name"]
    search_fields = ["name", "slug"]

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self.get_object()
        try:
            schedule.delete()
        except ProtectedError as exc:
            names = sorted(str(d) for d in exc.protected_objects)
            return conflict(f"The schedule {schedule.name!r} is used by the SLA definition(s) {listing(names)}: "
                            "move them to another schedule first.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Add a country's public holidays (admins)",
        request=LoadHolidaysSerializer,
        responses={200: LoadHolidaysResultSerializer},
        description="From the `holidays` package, e.g. `{\"country\": \"FR\", \"years\": [2026, 2027]}`. Dates the "
        "schedule already has are kept as they are; loading twice adds nothing.",
    )
    @action(detail=True, methods=["post"])
    def load_holidays(self, request: Request, pk: str | None = None) -> Response:
        schedule = self.get_object()
        data = LoadHolidaysSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        try:
            result = calendars.load_holidays(schedule, params["country"], params["years"], params["subdiv"],
                                             params["language"])
        except NotImplementedError as exc:  # the package refused the country/subdivision after all
            raise serializers.ValidationError({"country": [str(exc)]}) from exc
        schedule = self.get_queryset().get(pk=schedule.pk)
        return Response({
            "added": [{"date": day.isoformat(), "name": name} for day, name in result.added],
            "skipped": result.skipped,
            "schedule": ScheduleSerializer(schedule, context=self.get_serializer_context()).data,
        })


class DefinitionFilter(ScopedFilterSet):
    """For the desk only (end users get 403 here): a caller without a desk role gets no filter."""

    agreement_type = django_filters.MultipleChoiceFilter(choices=AgreementType.choices)
    target = django_filters.MultipleChoiceFilter(choices=Target.choices)

    class Meta:
        model = SlaDefinition
        fields = ["agreement_type", "target", "ticket_kind", "active", "schedule"]


@extend_schema_view(
    list=extend_schema(summary="SLA, OLA and underpinning-contract definitions"),
    retrieve=extend_schema(summary="One definition"),
    create=extend_schema(summary="Create a definition (admins)", request=SlaDefinitionWriteSerializer,
                         responses={201: SlaDefinitionSerializer}),
    update=extend_schema(summary="Replace a definition (admins)", request=SlaDefinitionWriteSerializer,
                         responses={200: SlaDefinitionSerializer}),
    partial_update=extend_schema(summary="Change a definition (admins); running timers keep their terms",
                                 request=SlaDefinitionWriteSerializer, responses={200: SlaDefinitionSerializer}),
    destroy=extend_schema(summary="Delete a definition that never started a timer (admins)",
                          responses={204: None, 409: CONFLICT}),
)
class SlaDefinitionViewSet(viewsets.ModelViewSet):
    """Agreements: which tickets they apply to, when their clock starts and pauses, how long it allows, and what
    happens at each threshold. Editing one applies to timers started afterwards."""

    queryset = SlaDefinition.objects.select_related("schedule", "escalation_team").order_by("order", "id")
    serializer_class = SlaDefinitionSerializer
    permission_classes = [IsAuthenticated, SlaConfigPermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter, filters.SearchFilter]
    filterset_class = DefinitionFilter
    ordering_fields = ["order", "name", "id"]
    ordering = ["order", "id"]
    search_fields = ["name"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = SlaDefinitionWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        definition = write.save()
        return Response(self._read(definition), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = SlaDefinitionWriteSerializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        write.is_valid(raise_exception=True)
        definition = write.save()
        return Response(self._read(definition))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        definition = self.get_object()
        try:
            definition.delete()
        except ProtectedError:
            count = definition.timers.count()
            return conflict(f"The definition {definition.name!r} has {count} timer(s), which keep their history: "
                            "deactivate it instead (PATCH {\"active\": false}).")
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _read(self, definition: SlaDefinition) -> dict[str, Any]:
        definition = self.get_queryset().get(pk=definition.pk)
        return SlaDefinitionSerializer(definition, context=self.get_serializer_context()).data


@extend_schema_view(
    list=extend_schema(summary="SLA timers of the tickets the caller can see (agents and up)"),
    retrieve=extend_schema(summary="One timer"),
)
class TimerViewSet(viewsets.ReadOnlyModelViewSet):
    """Timers with their live figures (`elapsed`, `percent`, computed now). Agents see the timers of the tickets
    they can see; managers and admins all."""

    serializer_class = TimerSerializer
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = TimerFilter
    ordering_fields = ORDERING_FIELDS
    ordering = DEFAULT_ORDERING

    def get_queryset(self) -> QuerySet[SlaTimer]:
        timers = SlaTimer.objects.select_related("ticket", "definition__schedule").defer(
            "ticket__search", "ticket__description"
        )
        user = self.request.user
        if not has_role(user, Role.MANAGER):  # managers and admins see all: no access-rule subquery
            timers = timers.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
        return timers

    def paginate_queryset(self, queryset: QuerySet[SlaTimer]) -> list[SlaTimer] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_business(page)
        return page

    def get_object(self) -> SlaTimer:
        timer = super().get_object()
        attach_business([timer])
        return timer


class SlaReportView(APIView):
    """The figures of the manager's SLA dashboard for a period (managers and admins)."""

    permission_classes = [IsAuthenticated, role_permission("dashboards.view")]

    @extend_schema(
        summary="SLA report: compliance, breaches over time, at-risk timers, mean times, backlog by age",
        parameters=[ReportQuerySerializer],
        responses={200: ReportSerializer},
    )
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            period = parse_period(params["period"], params.get("since"), params.get("until"))
        except (ValueError, OverflowError) as exc:  # OverflowError: a date whose next day does not exist
            field = "until" if params["period"] == "custom" else "period"
            raise serializers.ValidationError({field: [str(exc)]}) from exc
        return Response(report(request.user, period, params.get("kind") or report_kinds()[0].key))
