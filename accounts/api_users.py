"""The users API: who can be picked as assignee, requester or watcher. Agents and above only."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from accounts.models import Team, User
from accounts.roles import Role, role_of
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer
from core.filters import ScopedFilterSet


class UserSerializer(serializers.ModelSerializer):
    """The minimal card of a user: enough to pick them, nothing private (no e-mail, phone or organization)."""

    name = serializers.CharField(source="display_name", read_only=True)
    role = serializers.SerializerMethodField()
    teams = NamedRefSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "teams"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices))
    def get_role(self, user: User) -> str:
        role = role_of(user)
        return role.value if role is not None else user.role


class UserFilter(ScopedFilterSet):
    """For the desk only (end users get 403 here): a caller without a desk role gets no filter."""

    team = django_filters.ModelMultipleChoiceFilter(field_name="teams", queryset=Team.objects.all(), label="Team id")
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)

    class Meta:
        model = User
        fields = ["team", "role"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Active users, for agents, managers and admins (end users get 403). Filter by team and role; search."""

    queryset = User.objects.filter(is_active=True).prefetch_related("teams").order_by("username")
    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated, role_permission("users.list")]
    filterset_class = UserFilter
    ordering_fields = ["username", "last_name", "id"]
    ordering = ["username"]
    search_fields = ["username", "first_name", "last_name"]
