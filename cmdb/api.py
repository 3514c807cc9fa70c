"""The CMDB API (the service desk; end users get 403), the same conventions as the rest of /api/v1/:

- /cmdb/classes/: the classes of CIs with their attributes (read; the admins define them in the console);
- /cmdb/cis/: list (filters class, status, environment, service, q: words of the name), create, detail, PATCH
  (with `version`: a stale one changes nothing, 409... as 400 naming `version`); `GET /cmdb/cis/{id}/impact/`
  (`direction` affected | dependencies, `depth` 1-10): what fails with it or what it needs, with counts per level,
  the CIs (nearest first) and the services at risk; `GET /cmdb/cis/{id}/history/`;
  `GET /cmdb/cis/{id}/tickets/`: the tickets that affect it, through the access rule;
- /cmdb/relationships/: list (`ci`: those of one CI, either end), create {source, target, kind}, delete;
- /cmdb/affected/: POST {ticket: number, ci: id} records that a ticket the caller may see affects a CI; DELETE
  /cmdb/affected/?ticket=&ci= removes it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import URLPattern, path
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from catalog.models import Service
from cmdb import impact, services
from cmdb.choices import CIStatus, Environment, RelationKind
from cmdb.models import CIChange, CIClass, ClassAttribute, ConfigurationItem, Relationship
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer, StrictInputMixin, inline_choice_field
from core.api.tickets import MAX_ID
from core.models import Ticket

READ: list[Any] = [IsAuthenticated, role_permission("cmdb.read")]
EDIT: list[Any] = [IsAuthenticated, role_permission("cmdb.edit")]


class AttributeSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="var_type", read_only=True)

    class Meta:
        model = ClassAttribute
        fields = ["name", "label", "type", "required", "help_text", "min_value", "max_value", "choices"]
        read_only_fields = fields


class ClassSerializer(serializers.ModelSerializer):
    attributes = AttributeSerializer(many=True, read_only=True)

    class Meta:
        model = CIClass
        fields = ["id", "name", "slug", "description", "is_service", "attributes"]
        read_only_fields = fields


class ClassViewSet(viewsets.ReadOnlyModelViewSet):
    """The classes of configuration items and their attributes."""

    serializer_class = ClassSerializer
    permission_classes = READ
    pagination_class = None
    queryset = CIClass.objects.prefetch_related("attributes")


class CISerializer(serializers.ModelSerializer):
    ci_class: serializers.SlugRelatedField[CIClass] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = inline_choice_field(CIStatus.choices, read_only=True)
    environment = inline_choice_field(Environment.choices, read_only=True)
    owner_team = NamedRefSerializer(read_only=True, allow_null=True)
    support_team = NamedRefSerializer(read_only=True, allow_null=True)
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(slug_field="slug", many=True,
                                                                                  read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ["id", "name", "ci_class", "status", "environment", "owner_team", "support_team", "location",
                  "serial_number", "asset_tag", "description", "attributes", "services", "created_at",
                  "updated_at", "version"]
        read_only_fields = fields


class CIWriteSerializer(StrictInputMixin, serializers.Serializer):
    """What a create or a PATCH carries; references by slug (class, services) or id (teams)."""

    name = serializers.CharField(max_length=200, required=False)
    ci_class = serializers.SlugRelatedField(slug_field="slug", queryset=CIClass.objects.all(), required=False,
                                            help_text="The class's slug (GET /api/v1/cmdb/classes/).")
    status = serializers.ChoiceField(choices=CIStatus.choices, required=False)
    environment = serializers.ChoiceField(choices=Environment.choices, required=False)
    owner_team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    support_team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    asset_tag = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    attributes = serializers.DictField(required=False, help_text="The class's attributes, by name.")
    services = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True,
                                            required=False, help_text="The services it supports (slugs).")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                       help_text="The version you read (PATCH): a stale one changes nothing.")


class CIFilter(filters.FilterSet):
    ci_class = filters.CharFilter(field_name="ci_class__slug", label="class")
    status = filters.ChoiceFilter(choices=CIStatus.choices)
    environment = filters.ChoiceFilter(choices=Environment.choices)
    service = filters.CharFilter(field_name="services__slug", distinct=True)
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = ConfigurationItem
        fields = ["ci_class", "status", "environment", "service", "q"]


class ImpactQuerySerializer(StrictInputMixin, serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("affected", "What is affected if it fails"),
                                                 ("dependencies", "What it depends on")], default="affected")
    depth = serializers.IntegerField(min_value=1, max_value=impact.MAX_DEPTH, default=impact.DEFAULT_DEPTH)


class ImpactCISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ci_class = serializers.CharField(source="ci_class.name")
    distance = serializers.IntegerField()


class ImpactSerializer(serializers.Serializer):
    direction = serializers.CharField()
    depth = serializers.IntegerField()
    count = serializers.IntegerField()
    by_depth = serializers.DictField(child=serializers.IntegerField(), help_text="Distance -> how many CIs.")
    cis = ImpactCISerializer(many=True, help_text="Nearest first (at most 500).")
    services = NamedRefSerializer(many=True, help_text="The services they support.")


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = CIChange
        fields = ["field", "old_value", "new_value", "actor", "created_at"]
        read_only_fields = fields


class AffectingTicketSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


@extend_schema_view(list=extend_schema(summary="Configuration items"),
                    retrieve=extend_schema(summary="One configuration item"),
                    create=extend_schema(summary="Record a configuration item", request=CIWriteSerializer,
                                         responses={201: CISerializer}),
                    partial_update=extend_schema(summary="Change a configuration item", request=CIWriteSerializer,
                                                 responses={200: CISerializer}))
class CIViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Configuration items, by id."""

    serializer_class = CISerializer
    filterset_class = CIFilter
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"

    def get_permissions(self) -> list[Any]:
        return [permission() for permission in (READ if self.request.method in ("GET", "HEAD", "OPTIONS")
                                                else EDIT)]

    def get_queryset(self) -> Any:
        return (ConfigurationItem.objects.select_related("ci_class", "owner_team", "support_team")
                .prefetch_related("services").order_by("name", "id"))

    def written(self, request: Request) -> tuple[dict[str, Any], Any]:
        data = CIWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        return values, values.pop("services", None)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values, linked = self.written(request)
        values.pop("version", None)
        ci = services.create_ci(request.user, values, services=linked)
        return Response(CISerializer(self.get_queryset().get(pk=ci.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ci = self.get_object()
        values, linked = self.written(request)
        version = values.pop("version", None)
        services.update_ci(ci, request.user, values, services=linked, expected_version=version)
        return Response(CISerializer(self.get_queryset().get(pk=ci.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(summary="Impact analysis: what fails with it, or what it depends on",
                   parameters=[ImpactQuerySerializer], responses=ImpactSerializer)
    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: str | None = None) -> Response:
        ci = self.get_object()
        query = ImpactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        walk = impact.affected if query.validated_data["direction"] == "affected" else impact.dependencies
        found = walk(ci, query.validated_data["depth"])
        return Response(ImpactSerializer({
            "direction": found.direction, "depth": found.depth, "count": found.count,
            "by_depth": {str(level): n for level, n in found.by_depth().items()},
            "cis": found.items(limit=500), "services": found.services()}).data)

    @extend_schema(summary="What changed on it, newest first", responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        ci = self.get_object()
        page = self.paginate_queryset(ci.history.select_related("actor"))
        return self.get_paginated_response(HistorySerializer(page, many=True).data)

    @extend_schema(summary="The tickets that affect it (those you may see)",
                   responses=AffectingTicketSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tickets(self, request: Request, pk: str | None = None) -> Response:
        ci = self.get_object()
        rows = (Ticket.objects.visible_to(request.user).filter(affected_cis__ci=ci)
                .only("number", "title", "state", "active", "updated_at").order_by("-updated_at", "-id"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AffectingTicketSerializer(page, many=True).data)


class RelationshipSerializer(serializers.ModelSerializer):
    kind = inline_choice_field(RelationKind.choices, read_only=True)
    source = NamedRefSerializer(read_only=True)  # type: ignore[assignment]  # a field named like Field.source
    target = NamedRefSerializer(read_only=True)

    class Meta:
        model = Relationship
        fields = ["id", "source", "kind", "target", "created_at"]
        read_only_fields = fields


class RelationshipWriteSerializer(StrictInputMixin, serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]  # a field named like Field.source
        queryset=ConfigurationItem.objects.all())
    kind = serializers.ChoiceField(choices=RelationKind.choices, help_text="The source runs on / depends on / ... "
                                                                          "the target.")
    target = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.all())


class RelationshipFilter(filters.FilterSet):
    ci = filters.NumberFilter(method="of_ci", min_value=1, max_value=MAX_ID, help_text="Either end is this CI.")
    kind = filters.ChoiceFilter(choices=RelationKind.choices)

    class Meta:
        model = Relationship
        fields = ["ci", "kind"]

    def of_ci(self, queryset: Any, name: str, value: int) -> Any:
        return queryset.filter(Q(source_id=value) | Q(target_id=value))


@extend_schema_view(create=extend_schema(summary="Relate two CIs", request=RelationshipWriteSerializer,
                                         responses={201: RelationshipSerializer}))
class RelationshipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Relationships between configuration items, by id."""

    serializer_class = RelationshipSerializer
    filterset_class = RelationshipFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = "[0-9]{1,18}"

    def get_permissions(self) -> list[Any]:
        return [permission() for permission in (READ if self.request.method in ("GET", "HEAD", "OPTIONS")
                                                else EDIT)]

    def get_queryset(self) -> Any:
        return Relationship.objects.select_related("source", "target").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RelationshipWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relationship = services.relate(data.validated_data["source"], data.validated_data["target"],
                                       data.validated_data["kind"], request.user)
        return Response(RelationshipSerializer(relationship).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Relationship) -> None:
        services.unrelate(instance, self.request.user)


class AffectedSerializer(StrictInputMixin, serializers.Serializer):
    ticket = serializers.CharField(max_length=20, help_text="A ticket number you may see (INC..., PRB..., CHG...).")
    ci = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class AffectedView(generics.GenericAPIView):
    """The CIs a ticket affects: record one, or remove it."""

    permission_classes = EDIT
    serializer_class = AffectedSerializer

    def resolve(self, request: Request, data: Any) -> tuple[Ticket, ConfigurationItem]:
        serializer = AffectedSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data["ticket"].strip().upper()
        ticket = Ticket.objects.visible_to(request.user).filter(number=number).first()
        if ticket is None:
            raise DRFValidationError({"ticket": [f"No ticket {number} that you can see."]})
        ci = ConfigurationItem.objects.filter(pk=serializer.validated_data["ci"]).first()
        if ci is None:
            raise DRFValidationError({"ci": ["No such configuration item."]})
        return ticket, ci

    @extend_schema(summary="Record that a ticket affects a configuration item", request=AffectedSerializer,
                   responses={201: AffectedSerializer, 200: AffectedSerializer})
    def post(self, request: Request) -> Response:
        ticket, ci = self.resolve(request, request.data)
        created = services.affect(ticket, ci, request.user)
        return Response({"ticket": ticket.number, "ci": ci.pk},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Remove a configuration item from a ticket",
                   parameters=[OpenApiParameter("ticket", str, required=True), OpenApiParameter("ci", int,
                                                                                              required=True)],
                   responses={204: None})
    def delete(self, request: Request) -> Response:
        ticket, ci = self.resolve(request, request.query_params)
        if not services.unaffect(ticket, ci, request.user):
            raise DRFValidationError({"ci": [f"{ticket.number} does not affect {ci.name}."]})
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern] = [
    path("cmdb/affected/", AffectedView.as_view(), name="api-cmdb-affected"),
]
