"""API endpoints of accounts: token exchange and the caller's identity."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team, User
from accounts.roles import role_of
from accounts.services import issue_token
from core.api.throttling import ScopedRateThrottle
from core.filters import ScopedFilterSet


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenExchangeView(APIView):
    """Exchange a username and password for a new API token (shown once; stored hashed)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token_exchange"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["Unable to log in with the provided credentials."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        _token, raw = issue_token(user, "Token from /api/v1/auth/token/")
        return Response({"token": raw})


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    teams = NamedRefSerializer(many=True, read_only=True)
    organization = NamedRefSerializer(read_only=True, allow_null=True)
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "teams", "organization", "time_zone"]

    def get_role(self, user: User) -> str:
        return role_of(user).value


class MeView(APIView):
    """The caller: username, role, teams and organization."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.select_related("organization").prefetch_related("teams").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class TokenAuthScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a key from POST /api/v1/auth/token/ or the profile page.",
        }


class TeamSerializer(serializers.ModelSerializer):
    lead = NamedRefSerializer(source="lead_ref", read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "email", "lead"]


class TeamFilter(ScopedFilterSet):
    end_user_filters = frozenset({"slug", "name", "name__icontains"})  # every signed-in user lists the teams
    class Meta:
        model = Team
        fields = {"slug": ["exact"], "name": ["exact", "icontains"]}


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Assignment groups. Every signed-in user may list them (requesters see which team answers them)."""

    queryset = Team.objects.select_related("lead").order_by("name")
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    ordering_fields = ["name", "slug", "id"]
    search_fields = ["name", "email"]
    lookup_field = "slug"
