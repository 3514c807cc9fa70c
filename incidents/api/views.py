"""The incident endpoints: list, create, detail, PATCH, transition, take; and the categories list.

Every queryset starts from `Incident.objects.visible_to(request.user)` (THE access rule): an incident outside
it answers 404 everywhere. Writes go through incidents.services; their ValidationError, TransitionError,
ConflictError and PermissionDenied become 400, 400, 409 and 403 in core.api.exceptions.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Role, has_role, role_of
from core.api.filters import StableOrderingFilter
from core.api.idempotency import IDEMPOTENCY_KEY, KEY_REUSED, idempotent_create
from core.api.permissions import role_permission
from core.filters import ScopedFilterSet, StrictBooleanFilter
from core.models import Ticket, TicketLink
from incidents import services
from incidents.api.serializers import (
    CategorySerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentWriteSerializer,
    TransitionSerializer,
    VersionSerializer,
)
from incidents.choices import Channel
from incidents.filters import DEFAULT_ORDERING, END_USER_ORDERING_FIELDS, ORDERING_FIELDS, IncidentFilter
from incidents.models import Category, Incident

RELATED = ["category", "subcategory", "service", "team", "assignee", "requester", "parent"]


def is_end_user(user: Any) -> bool:
    return role_of(user) == Role.END_USER


def visible_incidents(user: Any) -> QuerySet[Incident]:
    """THE access rule, for incidents."""
    return Incident.objects.visible_to(user)


def with_related(
    queryset: QuerySet[Incident], user: Any, *, visible: QuerySet[Incident] | None = None, detail: bool = False
) -> QuerySet[Incident]:
    """Everything the serializers read, in a constant number of queries whatever the page size.

    Agents learn whether they may see an incident's parent (its title is withheld otherwise): `visible` is the
    caller's access-rule queryset when the caller already has one (building it costs queries). The detail of a
    desk member also carries watchers and the links to tickets they can see.
    """
    queryset = queryset.select_related(*RELATED).defer("parent__search")
    role = role_of(user)
    if role == Role.AGENT:
        visible = visible if visible is not None else visible_incidents(user)
        queryset = queryset.annotate(parent_visible=Exists(visible.filter(pk=OuterRef("parent_id"))))
    if detail and role is not None and role != Role.END_USER:
        tickets = Ticket.objects.visible_to(user).values("pk")
        links = TicketLink.objects.defer("source__search", "target__search").select_related("source", "target")
        queryset = queryset.prefetch_related(
            Prefetch("watchers", queryset=User.objects.order_by("username")),
            Prefetch("links_out", queryset=links.filter(target__in=tickets), to_attr="visible_links_out"),
            Prefetch("links_in", queryset=links.filter(source__in=tickets), to_attr="visible_links_in"),
        )
    return queryset


def incident_response(request: Request, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The detail of an incident the caller has just written (re-read with everything the serializer needs).

    Not scoped by the access rule: the caller wrote it, even if the write moved it out of their sight
    (e.g. an agent handing it to another team).
    """
    incident = with_related(Incident.objects.all(), request.user, detail=True).get(pk=pk)
    data = IncidentDetailSerializer(incident, context={"request": request, "end_user": is_end_user(request.user)}).data
    created = status_code == status.HTTP_201_CREATED
    headers = {"Location": reverse("incident-detail", args=[incident.number])} if created else {}
    return Response(data, status=status_code, headers=headers)


def resolve_parent(data: dict[str, Any], user: Any) -> dict[str, Any]:
    """An agent may only choose a parent incident they can see (end users are refused by the services)."""
    parent_id = data.get("parent")
    if parent_id is None or not has_role(user, Role.AGENT):
        return data
    parent = visible_incidents(user).filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError({"parent": [f"No incident with id {parent_id} that you can see."]})
    return {**data, "parent": parent}


class TextSearchFilter(BaseFilterBackend):
    """`?search=`: the same text search as the FilterSet's `?q=` (a number matches exactly; else full text)."""

    param = "search"

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        try:
            value = forms.CharField(required=False).clean(raw)
        except ValidationError as exc:
            raise serializers.ValidationError({self.param: exc.messages}) from exc
        return IncidentFilter(queryset=queryset, request=request).filter_text(queryset, self.param, value)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [{
            "name": self.param, "required": False, "in": "query", "schema": {"type": "string"},
            "description": "Text search over title and description (same as `q`); an incident number matches exactly.",
        }]


@extend_schema_view(
    list=extend_schema(summary="Incidents the caller can see", responses=IncidentSerializer),
    retrieve=extend_schema(summary="One incident", responses=IncidentDetailSerializer),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents, addressed by number. End users see their own (and their organization's, if it shares)."""

    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter, TextSearchFilter]
    filterset_class = IncidentFilter
    ordering = DEFAULT_ORDERING

    @property
    def ordering_fields(self) -> list[str]:
        """What `?ordering=` accepts: end users may not sort on what they do not see."""
        user = getattr(getattr(self, "request", None), "user", None)
        return END_USER_ORDERING_FIELDS if is_end_user(user) else ORDERING_FIELDS

    def get_queryset(self) -> QuerySet[Incident]:
        visible = visible_incidents(self.request.user)
        return with_related(visible, self.request.user, visible=visible, detail=self.action == "retrieve")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return IncidentSerializer
        return IncidentDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "end_user": is_end_user(self.request.user)}

    def lookup_incident(self) -> Incident:
        """The incident of the URL, if the caller can see it (404 otherwise); without its related rows."""
        return get_object_or_404(visible_incidents(self.request.user), number=self.kwargs[self.lookup_field])

    @extend_schema(
        summary="Raise an incident",
        request=IncidentCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: IncidentDetailSerializer, 422: KEY_REUSED},
        description="End users may set title, description, urgency, service, category and subcategory. "
        "The channel is `api` unless an agent gives one.",
    )
    @idempotent_create
    def create(self, request: Request) -> Response:
        data = self._validated(IncidentCreateSerializer(data=request.data, partial=True))
        channel = None if ("channel" in data and has_role(request.user, Role.AGENT)) else Channel.API
        incident = services.create_incident(request.user, resolve_parent(data, request.user), channel=channel)
        return incident_response(request, incident.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change fields of an incident",
        request=IncidentWriteSerializer,
        responses={200: IncidentDetailSerializer},
        description="Send `version` (as read) to be told 409 if someone changed the incident meanwhile.",
    )
    def partial_update(self, request: Request, number: str | None = None) -> Response:
        incident = self.lookup_incident()
        data = self._validated(IncidentWriteSerializer(data=request.data, partial=True))
        version = data.pop("version", None)
        services.update_incident(incident, request.user, resolve_parent(data, request.user), expected_version=version)
        return incident_response(request, incident.pk)

    @extend_schema(
        summary="Change the state",
        request=TransitionSerializer,
        responses={200: IncidentDetailSerializer},
        description="Only the moves of the transition table are accepted; a refused one names the allowed states.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str | None = None) -> Response:
        incident = self.lookup_incident()
        data = self._validated(TransitionSerializer(data=request.data))
        services.transition(
            incident, request.user, data["state"], expected_version=data.get("version"),
            hold_reason=data["hold_reason"], resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"], comment=data["comment"],
        )
        return incident_response(request, incident.pk)

    @extend_schema(
        summary="Take the incident (assign it to yourself)",
        request=VersionSerializer,
        responses={200: IncidentDetailSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, role_permission("tickets.work")])
    def take(self, request: Request, number: str | None = None) -> Response:
        incident = self.lookup_incident()
        data = self._validated(VersionSerializer(data=request.data))
        services.take(incident, request.user, expected_version=data.get("version"))
        return incident_response(request, incident.pk)

    @staticmethod
    def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CategoryFilter(ScopedFilterSet):
    end_user_filters = frozenset({"parent", "top_level"})  # every signed-in user lists the categories
    parent = django_filters.ModelChoiceFilter(  # an inactive category is refused like one that does not exist
        queryset=Category.objects.filter(parent__isnull=True, active=True),
        label="Only the subcategories of this category",
    )
    top_level = StrictBooleanFilter(field_name="parent", lookup_expr="isnull", label="Only top-level ones")

    class Meta:
        model = Category
        fields = ["parent", "top_level"]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Active incident categories; a category with a parent is a subcategory of it."""

    # each top-level category followed by its subcategories: Hardware, Hardware / Printer, Network...
    queryset = Category.objects.filter(active=True).select_related("parent").order_by(
        Coalesce("parent__name", "name"), F("parent").asc(nulls_first=True), "name"
    )
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    ordering_fields = ["name", "id"]
    search_fields = ["name"]
