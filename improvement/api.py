"""The KPI API: /api/v1/kpis/ (every KPI's series for the caller), /api/v1/kpis/{key}/, /api/v1/kpis/targets/
(managers write) and the improvement register /api/v1/improvements/ (managers write; an agent reads the actions
they own). End users get 403 on all of it. Series are scoped like the dashboard: managers all, agents their teams."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.roles import Role, can, has_role
from improvement import figures, kpis, services
from improvement.forms import DESK_ROLES
from improvement.kpis.periods import DEFAULT_MONTHS, MAX_MONTHS, current_month, last_months, parse_month
from improvement.kpis.scope import parse_filters
from improvement.models import ActionStatus, ImprovementAction, KpiTarget


class ReadOrManage(BasePermission):
    """Agents and up read (kpis.view); managers and admins write (kpis.manage)."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return can(request.user, "kpis.view" if request.method in SAFE_METHODS else "kpis.manage")


# --- serializers -------------------------------------------------------------------------------------------------

class KpiQuerySerializer(serializers.Serializer):
    months = serializers.IntegerField(required=False, min_value=1, max_value=MAX_MONTHS, default=DEFAULT_MONTHS,
                                      help_text="How many months, the running one last (default 12, at most 36).")
    kind = serializers.CharField(required=False, help_text="Ticket kind of the ticket KPIs (default incident).")
    team = serializers.IntegerField(required=False, min_value=1, help_text="Assignment group id.")
    service = serializers.IntegerField(required=False, min_value=1, help_text="Service id.")
    priority = serializers.IntegerField(required=False, min_value=1, max_value=5)
    fresh = serializers.BooleanField(required=False, default=False,
                                     help_text="Compute every month now instead of reading the kept values.")


class PointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    value = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=services.Rag.choices)
    drill_url = serializers.CharField(help_text="The page listing what is behind the figure.")


class TargetSerializer(serializers.ModelSerializer):
    kpi = serializers.CharField(max_length=40)
    amber_band = serializers.FloatField(required=False, default=0, min_value=0)
    updated_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = KpiTarget
        fields = ["kpi", "target", "amber_band", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]

    def validate_kpi(self, value: str) -> str:
        if kpis.find(value) is None:
            raise serializers.ValidationError(f"Unknown KPI {value[:40]!r}.")
        return value


class KpiSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, popped by the metaclass
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    description = serializers.CharField()
    filters = serializers.ListField(child=serializers.CharField(), help_text="The filters this KPI takes.")
    current = serializers.FloatField(allow_null=True, help_text="The running month's value, to date.")
    status = serializers.ChoiceField(choices=services.Rag.choices)
    target = TargetSerializer(allow_null=True)
    series = PointSerializer(many=True)


class KpiListSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(help_text="When the oldest figure was computed.")
    results = KpiSerializer(many=True)


def _card_data(card: dict[str, Any]) -> dict[str, Any]:
    kpi = card["kpi"]
    return {
        "key": kpi.key, "label": kpi.label, "unit": kpi.unit, "higher_is_better": kpi.higher_is_better,
        "description": kpi.description, "filters": list(kpi.filters), "current": card["current"]["value"],
        "status": card["status"], "target": TargetSerializer(card["target"]).data if card["target"] else None,
        "series": [{"month": p["key"], "value": p["value"], "status": p["status"], "drill_url": p["url"]}
                   for p in card["points"]],
    }


def _query(request: Request) -> tuple[int, dict[str, Any], bool]:
    query = KpiQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    filters, errors = parse_filters({name: str(request.query_params.get(name, "")) for name in
                                     ("kind", "team", "service", "priority")})
    if errors:
        raise serializers.ValidationError(errors)
    return query.validated_data["months"], filters, query.validated_data["fresh"]


KPI_QUERY = [KpiQuerySerializer]


class KpiListView(APIView):
    """Every KPI's monthly series, target and status, for the caller (managers: all tickets; agents: their
    teams')."""

    permission_classes = [IsAuthenticated, ReadOrManage]

    @extend_schema(summary="KPIs: monthly series with target and red/amber/green status", parameters=KPI_QUERY,
                   operation_id="kpis_list",
                   responses={200: KpiListSerializer})
    def get(self, request: Request) -> Response:
        months, filters, fresh = _query(request)
        cards, computed_at = figures.cards(request.user, last_months(months), filters, fresh=fresh)
        return Response({"computed_at": computed_at, "results": [_card_data(card) for card in cards]})


class KpiDetailView(APIView):
    """One KPI's series, target and status."""

    permission_classes = [IsAuthenticated, ReadOrManage]

    @extend_schema(summary="One KPI: monthly series with target and status", parameters=KPI_QUERY,
                   responses={200: KpiSerializer})
    def get(self, request: Request, key: str) -> Response:
        kpi = kpis.find(key)
        if kpi is None:
            raise Http404("No such KPI.")
        months, filters, fresh = _query(request)
        cards, _at = figures.cards(request.user, last_months(months), filters, fresh=fresh, only=[kpi])
        return Response(_card_data(cards[0]))


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """KPI targets: agents and up read them; managers set one (POST replaces the KPI's target) or remove it."""

    queryset = KpiTarget.objects.select_related("updated_by").order_by("kpi")
    serializer_class = TargetSerializer
    permission_classes = [IsAuthenticated, ReadOrManage]
    lookup_field = "kpi"
    pagination_class = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = services.set_target(request.user, data["kpi"], data["target"], data.get("amber_band", 0))
        return Response(TargetSerializer(row).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: KpiTarget) -> None:
        services.clear_target(self.request.user, instance.kpi)


class ActionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(
        is_active=True, role__in=DESK_ROLES))
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    updated_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    month = serializers.CharField(max_length=7, help_text="YYYY-MM: the month of the figure (default: running).",
                                  required=False)
    filters = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                    help_text="The dashboard filters of the figure: kind, team, service, priority.")
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    value_after = serializers.SerializerMethodField(help_text="Frozen when closed; else the running month's value.")

    class Meta:
        model = ImprovementAction
        fields = ["id", "title", "description", "owner", "due_date", "kpi", "filters", "month", "status",
                  "value_before", "value_after", "after_month", "created_by", "created_at", "updated_by",
                  "updated_at", "closed_at"]
        read_only_fields = ["value_before", "after_month", "created_by", "created_at", "updated_by", "updated_at",
                            "closed_at"]

    def get_value_after(self, action: ImprovementAction) -> float | None:
        return services.latest_value(action, self.context["request"].user)[0]

    def to_representation(self, instance: ImprovementAction) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["month"] = f"{instance.month:%Y-%m}"
        data["after_month"] = f"{instance.after_month:%Y-%m}" if instance.after_month else None
        return data

    def validate_month(self, value: str) -> Any:
        try:
            month = parse_month(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if month > current_month():
            raise serializers.ValidationError("The month cannot be in the future.")
        return month

    def validate_kpi(self, value: str) -> str:
        if kpis.find(value) is None:
            raise serializers.ValidationError(f"Unknown KPI {value[:40]!r}.")
        return value

    def validate_filters(self, value: dict[str, str]) -> dict[str, Any]:
        unknown = set(value) - set(kpis.FILTER_NAMES)
        if unknown:
            raise serializers.ValidationError(f"Unknown filter(s): {', '.join(sorted(unknown))[:100]}.")
        filters, errors = parse_filters(value)
        if errors:
            raise serializers.ValidationError(" ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        return filters


class ActionUpdateSerializer(ActionSerializer):
    class Meta(ActionSerializer.Meta):
        read_only_fields = [*ActionSerializer.Meta.read_only_fields, "kpi", "filters", "month"]


class ActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The improvement register. Managers read and write every action; an agent reads the actions they own."""

    serializer_class = ActionSerializer
    permission_classes = [IsAuthenticated, ReadOrManage]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        actions = (ImprovementAction.objects.select_related("owner", "created_by", "updated_by")
                   .order_by("-created_at", "-pk"))
        if not has_role(self.request.user, Role.MANAGER):
            actions = actions.filter(owner_id=self.request.user.pk)
        return actions

    def get_serializer_class(self) -> Any:
        return ActionUpdateSerializer if self.action in ("update", "partial_update") else ActionSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = services.raise_action(request.user, serializer.validated_data)
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        serializer = self.get_serializer(action, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changed = {name: value for name, value in serializer.validated_data.items() if name in services.EDITABLE}
        action = services.update_action(request.user, action, changed)
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data)


def register_routes(router: Any) -> list[Any]:
    """Register the viewsets on the API router; returns the other paths (mounted after the router's, so that
    /kpis/targets/ is not taken for a KPI's key)."""
    from django.urls import path

    router.register("kpis/targets", TargetViewSet, basename="kpi-target")
    router.register("improvements", ActionViewSet, basename="improvement")
    return [path("kpis/", KpiListView.as_view(), name="api-kpis"),
            path("kpis/<str:key>/", KpiDetailView.as_view(), name="api-kpi")]
