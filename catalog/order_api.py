"""The catalog and its orders in the API: /api/v1/catalog/categories/, /catalog/items/ (each with its form as
JSON), POST /catalog/items/{id}/order/ {"answers": {...}, "requested_for": id} (the same validation as the
portal's: catalog.services.order), /requests/ and /requested-items/ (read, moved and worked like any ticket;
created only by an order), and /tasks/ (the fulfilment tasks raised from the items' plans; the desk only)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Role, has_role
from catalog import grants, services
from catalog.agent_views import RequestedItemFilter, RequestFilter, TaskFilter
from catalog.choices import ItemState, RequestState, TaskState
from catalog.kinds import CATALOG_TASK, REQUEST, REQUESTED_ITEM
from catalog.models import CatalogCategory, CatalogItem, CatalogTask, Request, RequestedItem, Variable
from core.api.children import child_routes
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin
from core.api.ticket_serializers import (
    TaskTransitionSerializer,
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
)
from core.api.tickets import MAX_ID
from core.api.viewsets import TicketViewSet
from sla.api.serializers import TicketSlaMixin


class CatalogCategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = CatalogCategory
        fields = ["id", "name", "slug", "parent", "description", "icon"]
        read_only_fields = fields


class CatalogVariableSerializer(serializers.ModelSerializer):
    """One field of an item's form: what an order's `answers` may carry under its `name`."""

    type = serializers.CharField(source="var_type")
    choices = serializers.ListField(source="choice_list", child=serializers.CharField())
    show_when = serializers.SerializerMethodField(help_text='{"field": name, "value": v}: it shows (and is read) only '
                                                            "when that field has that value; null: always.")

    class Meta:
        model = Variable
        fields = ["name", "label", "type", "required", "help_text", "default", "min_value", "max_value", "pattern",
                  "choices", "show_when"]
        read_only_fields = fields

    def get_show_when(self, variable: Variable) -> dict[str, str] | None:
        if not variable.show_when_id or variable.show_when is None:
            return None
        return {"field": variable.show_when.name, "value": variable.show_when_value}


class CatalogItemSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    access_system = serializers.CharField(source="access_system.name", read_only=True, allow_null=True, default=None,
                                          help_text="An access item's system.")
    form = serializers.SerializerMethodField()
    picture = serializers.SerializerMethodField(help_text="Where its picture is (a signed-in GET), or null.")

    class Meta:
        model = CatalogItem
        fields = ["id", "name", "slug", "category", "item_type", "short_description", "description", "picture",
                  "delivery_days", "price", "service", "access_system", "form"]
        read_only_fields = fields

    def get_picture(self, item: CatalogItem) -> str | None:
        if not item.picture:
            return None
        path = reverse("portal-catalog-picture", args=[item.slug])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(CatalogVariableSerializer(many=True))
    def get_form(self, item: CatalogItem) -> Any:
        """The built-in fields of an access or revoke item (the caller's own access to revoke), then the item's."""
        request = self.context.get("request")
        fields = grants.built_in(item, getattr(request, "user", None)) + list(item.variables.all())
        return CatalogVariableSerializer(fields, many=True).data


class OrderSerializer(StrictInputMixin, serializers.Serializer):
    answers = serializers.DictField(required=False, default=dict, help_text=(
        "The form's answers, by field name; a file (type attachment) as {\"name\": ..., \"content_base64\": ...}."))
    requested_for = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                             help_text="Id of the person it is for (the service desk only).")


class OrderResultSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="REQ... (or INC... for a record producer)")
    kind = serializers.CharField()


@extend_schema_view(list=extend_schema(summary="Catalog categories"), retrieve=extend_schema(summary="One category"))
class CatalogCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CatalogCategorySerializer
    permission_classes = [IsAuthenticated]
    queryset = CatalogCategory.objects.filter(active=True).select_related("parent")


@extend_schema_view(list=extend_schema(summary="What the caller may order, with each item's form"),
                    retrieve=extend_schema(summary="One item and its form"))
class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    """The items the caller may order; any other is 404."""

    serializer_class = CatalogItemSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        return (services.orderable(self.request.user).select_related("category", "access_system")
                .prefetch_related("variables__show_when").order_by("category__order", "order", "name"))

    @extend_schema(summary="Order the item with the answers to its form", request=OrderSerializer,
                   responses={201: OrderResultSerializer})
    @action(detail=True, methods=["post"])
    def order(self, request: ApiRequest, pk: str | None = None) -> Response:
        item = self.get_object()
        data = OrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = None
        if data.validated_data.get("requested_for"):
            person = User.objects.filter(pk=data.validated_data["requested_for"]).first()
            if person is None or not has_role(request.user, Role.AGENT):
                raise serializers.ValidationError({"requested_for": [
                    "The service desk orders for others: give the id of an active person."]})
        ticket = services.order(item, request.user, data.validated_data["answers"], requested_for=person)
        return Response({"number": ticket.number, "kind": ticket.kind}, status=status.HTTP_201_CREATED)


class RequestSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=RequestState.choices, read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = ["id", "number", "title", "description", "state", "service", "team", "assignee", "requester",
                  "opened_at", "updated_at", "resolved_at", "closed_at", "version", "items"]
        read_only_fields = fields

    def get_items(self, request: Request) -> list[str]:
        return [item.number for item in request.items.all()]


class RequestDetailSerializer(TicketDetailMixin, TicketSlaMixin, RequestSerializer):
    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "watchers", "links", "sla"]
        read_only_fields = fields


class RequestedItemSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=ItemState.choices, read_only=True)
    request = serializers.CharField(source="parent_request.number", read_only=True)
    catalog_item = serializers.CharField(source="catalog_item.slug", read_only=True)

    class Meta:
        model = RequestedItem
        fields = ["id", "number", "request", "catalog_item", "title", "description", "answers", "state", "service",
                  "team", "assignee", "requester", "opened_at", "updated_at", "resolved_at", "closed_at", "version"]
        read_only_fields = fields


class RequestedItemDetailSerializer(TicketDetailMixin, TicketSlaMixin, RequestedItemSerializer):
    class Meta(RequestedItemSerializer.Meta):
        fields = [*RequestedItemSerializer.Meta.fields, "watchers", "links", "sla"]
        read_only_fields = fields


class OrderedOnly:
    """Requests and requested items are created by an order (POST /catalog/items/{id}/order/), never directly."""

    def create(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        raise MethodNotAllowed("POST", detail="Order from the catalog: POST /api/v1/catalog/items/{id}/order/.")


class RequestTransitionSerializer(TicketTransitionSerializer):
    state = serializers.ChoiceField(choices=RequestState.choices)


class ItemTransitionSerializer(TicketTransitionSerializer):
    state = serializers.ChoiceField(choices=ItemState.choices)


@extend_schema_view(list=extend_schema(summary="Requests (the caller's, by the access rule)"),
                    create=extend_schema(exclude=True),
                    retrieve=extend_schema(summary="One request", responses=RequestDetailSerializer))
class RequestViewSet(OrderedOnly, TicketViewSet):
    kind = REQUEST
    filterset_class = RequestFilter
    list_serializer = RequestSerializer
    detail_serializer = RequestDetailSerializer
    transition_serializer = RequestTransitionSerializer

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        return super().with_related(queryset, visible=visible, detail=detail).prefetch_related("items")


@extend_schema_view(list=extend_schema(summary="Requested items (the caller's, by the access rule)"),
                    create=extend_schema(exclude=True),
                    retrieve=extend_schema(summary="One requested item", responses=RequestedItemDetailSerializer))
class RequestedItemViewSet(OrderedOnly, TicketViewSet):
    kind = REQUESTED_ITEM
    related = (*TicketViewSet.related, "parent_request", "catalog_item")
    filterset_class = RequestedItemFilter
    list_serializer = RequestedItemSerializer
    detail_serializer = RequestedItemDetailSerializer
    transition_serializer = ItemTransitionSerializer


class CatalogTaskSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=TaskState.choices, read_only=True)
    requested_item = serializers.CharField(source="requested_item.number", read_only=True)

    class Meta:
        model = CatalogTask
        fields = ["id", "number", "requested_item", "stage", "title", "instructions", "description", "state",
                  "service", "team", "assignee", "close_notes", "opened_at", "updated_at", "resolved_at", "closed_at",
                  "version"]
        read_only_fields = fields


class CatalogTaskDetailSerializer(TicketDetailMixin, TicketSlaMixin, CatalogTaskSerializer):
    class Meta(CatalogTaskSerializer.Meta):
        fields = [*CatalogTaskSerializer.Meta.fields, "watchers", "links", "sla"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary="Fulfilment tasks (the service desk only)"),
                    create=extend_schema(exclude=True),
                    retrieve=extend_schema(summary="One task", responses=CatalogTaskDetailSerializer))
class CatalogTaskViewSet(OrderedOnly, TicketViewSet):
    """Fulfilment tasks, raised from the items' plans; the service desk only."""

    kind = CATALOG_TASK
    related = (*TicketViewSet.related, "requested_item")
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = TaskFilter
    list_serializer = CatalogTaskSerializer
    detail_serializer = CatalogTaskDetailSerializer
    transition_serializer = TaskTransitionSerializer


urlpatterns: list[URLPattern] = [*child_routes(REQUEST, "requests"), *child_routes(REQUESTED_ITEM, "requested-items"),
                                 *child_routes(CATALOG_TASK, "tasks")]
