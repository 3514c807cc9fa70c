"""The catalog API: the services tickets are raised against (read-only, every signed-in user)."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from catalog.models import Criticality, Service
from core.api.serializers import NamedRefSerializer
from core.filters import ScopedFilterSet


class ServiceSerializer(serializers.ModelSerializer):
    owner_team = NamedRefSerializer(read_only=True, allow_null=True)
    support_team = NamedRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Service
        fields = ["id", "name", "slug", "description", "criticality", "owner_team", "support_team"]
        read_only_fields = fields


class ServiceFilter(ScopedFilterSet):
    end_user_filters = frozenset({"criticality", "slug"})  # the catalogue is public to every signed-in user
    criticality = django_filters.MultipleChoiceFilter(choices=Criticality.choices)

    class Meta:
        model = Service
        fields = ["criticality", "slug"]


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Active services (retired ones cannot take new tickets, so they are not offered)."""

    queryset = Service.objects.filter(active=True).select_related("owner_team", "support_team").order_by("name")
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = ["name", "criticality", "id"]
    ordering = ["name"]
    search_fields = ["name", "description"]
