"""The incident endpoints (core.api.viewsets.TicketViewSet: list, create, detail, PATCH, transition, take, with
the incident's own parent rule, channel and notifications through incidents.services); and the categories list.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.roles import Role, has_role, role_of
from core.api.idempotency import IDEMPOTENCY_KEY, KEY_REUSED
from core.api.viewsets import TicketViewSet
from core.filters import ScopedFilterSet, StrictBooleanFilter
from core.models import Ticket
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
from incidents.filters import IncidentFilter
from incidents.kind import INCIDENT
from incidents.models import Category, Incident


def resolve_parent(data: dict[str, Any], user: Any) -> dict[str, Any]:
    """An agent may only choose a parent incident they can see (end users are refused by the services)."""
    parent_id = data.get("parent")
    if parent_id is None or not has_role(user, Role.AGENT):
        return data
    parent = Incident.objects.visible_to(user).filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError({"parent": [f"No incident with id {parent_id} that you can see."]})
    return {**data, "parent": parent}


@extend_schema_view(
    list=extend_schema(summary="Incidents the caller can see", responses=IncidentSerializer),
    retrieve=extend_schema(summary="One incident", responses=IncidentDetailSerializer),
    create=extend_schema(
        summary="Raise an incident", request=IncidentCreateSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: IncidentDetailSerializer, 422: KEY_REUSED},
        description="End users may set title, description, urgency, service, category and subcategory. "
        "The channel is `api` unless an agent gives one.",
    ),
    partial_update=extend_schema(
        summary="Change fields of an incident", request=IncidentWriteSerializer,
        responses={200: IncidentDetailSerializer},
        description="Send `version` (as read) to be told 409 if someone changed the incident meanwhile.",
    ),
    transition=extend_schema(
        summary="Change the state", request=TransitionSerializer, responses={200: IncidentDetailSerializer},
        description="Only the moves of the transition table are accepted; a refused one names the allowed states.",
    ),
    take=extend_schema(summary="Take the incident (assign it to yourself)", request=VersionSerializer,
                       responses={200: IncidentDetailSerializer}),
)
class IncidentViewSet(TicketViewSet):
    """Incidents, addressed by number. End users see their own (and their organization's, if it shares)."""

    kind = INCIDENT
    kept = (*TicketViewSet.kept, "category", "subcategory")
    filterset_class = IncidentFilter
    list_serializer = IncidentSerializer
    detail_serializer = IncidentDetailSerializer
    create_serializer = IncidentCreateSerializer
    write_serializer = IncidentWriteSerializer
    transition_serializer = TransitionSerializer
    version_serializer = VersionSerializer

    def with_related(self, queryset: QuerySet, *, visible: QuerySet | None = None, detail: bool = False) -> QuerySet:
        """Agents also learn whether they may see an incident's parent (its title is withheld otherwise):
        `visible` is the caller's access-rule queryset when the caller already has one.

        The category and subcategory come from the kept reference rows and the parent in a separate small query
        (none when no row has one): joined as well, the list's query had 11 tables and PostgreSQL spent ~20-30 ms
        planning it for ~2 ms of execution at 1,000,000 incidents."""
        queryset = super().with_related(queryset, visible=visible, detail=detail).prefetch_related(
            Prefetch("parent", queryset=Incident.objects.defer("search")))
        if role_of(self.request.user) == Role.AGENT:
            visible = visible if visible is not None else self.visible()
            queryset = queryset.annotate(parent_visible=Exists(visible.filter(pk=OuterRef("parent_id"))))
        return queryset

    def perform_create_ticket(self, data: dict[str, Any]) -> Incident:
        user = self.request.user
        channel = None if ("channel" in data and has_role(user, Role.AGENT)) else Channel.API
        return services.create_incident(user, resolve_parent(data, user), channel=channel)

    def perform_update_ticket(self, ticket: Ticket, data: dict[str, Any], version: int | None) -> Incident:
        user = self.request.user
        return services.update_incident(ticket, user, resolve_parent(data, user), expected_version=version)


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
