"""The knowledge API for the desk under /api/v1/knowledge/articles/ (core.api.viewsets): list, create, detail (the
working copy with its published version and the versions before), PATCH, transition (to review: the reviewers are
asked; published only by their approval, from /api/v1/approvals/), take, and the child endpoints every kind has.
End users read published articles in the portal (their API is the next slice of issue 11)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import inline_choice_field
from core.api.ticket_serializers import (
    READ_ONLY_NAMES,
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
    TicketWriteSerializer,
    long_text_field,
)
from core.api.viewsets import TicketViewSet, VersionSerializer
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, ArticleVersion, KnowledgeBase
from knowledge.views import ArticleFilter

FIELDS = ["id", "number", "title", "description", "body", "keywords", "audience", "knowledge_base", "state",
          "valid_until", "service", "team", "assignee", "requester", "opened_at", "updated_at", "version"]


class ArticleSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=ArticleState.choices, read_only=True)
    audience = inline_choice_field(Audience.choices, read_only=True)
    knowledge_base: serializers.SlugRelatedField[KnowledgeBase] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True)

    class Meta:
        model = Article
        fields = FIELDS
        read_only_fields = fields


class VersionOutSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True, allow_null=True, default=None)
    approved_by = serializers.CharField(source="approved_by.display_name", read_only=True, allow_null=True,
                                        default=None)
    audience = inline_choice_field(Audience.choices, read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "summary", "body", "keywords", "audience", "author", "approved_by",
                  "published_at"]
        read_only_fields = fields


class ArticleDetailSerializer(TicketDetailMixin, ArticleSerializer):
    """The working copy, its published version (what readers get) and its versions, newest first."""

    published_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "published_version", "versions"]
        read_only_fields = fields

    @extend_schema_field(VersionOutSerializer(allow_null=True))
    def get_published_version(self, article: Article) -> dict[str, Any] | None:
        version = article.published_version
        return dict(VersionOutSerializer(version).data) if version is not None else None

    @extend_schema_field(VersionOutSerializer(many=True))
    def get_versions(self, article: Article) -> list[dict[str, Any]]:
        return list(VersionOutSerializer(article.versions.select_related("author", "approved_by")[:50],
                                         many=True).data)


class ArticleWriteSerializer(TicketWriteSerializer):
    read_only_names = READ_ONLY_NAMES | {"requester", "published_version", "versions"}

    body = long_text_field()
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    audience = serializers.ChoiceField(required=False, choices=Audience.choices)
    knowledge_base = serializers.SlugRelatedField(slug_field="slug", queryset=KnowledgeBase.objects.all(),
                                                  required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)
    state = serializers.ChoiceField(required=False, choices=ArticleState.choices,
                                    help_text="Prefer POST .../transition/ to change the state.")


class ArticleCreateSerializer(ArticleWriteSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class ArticleTransitionSerializer(TicketTransitionSerializer):
    state = serializers.ChoiceField(choices=ArticleState.choices)


@extend_schema_view(
    list=extend_schema(summary="Knowledge articles (the service desk: working copies)", responses=ArticleSerializer),
    retrieve=extend_schema(summary="One article: its working copy, published version and versions",
                           responses=ArticleDetailSerializer),
    create=extend_schema(summary="Write an article (a draft)", request=ArticleCreateSerializer,
                         parameters=[IDEMPOTENCY_KEY], responses={201: ArticleDetailSerializer}),
    partial_update=extend_schema(summary="Change the working copy", request=ArticleWriteSerializer,
                                 responses={200: ArticleDetailSerializer}),
    transition=extend_schema(summary="Send to review, back to draft, or retire (published: by the reviewers)",
                             request=ArticleTransitionSerializer, responses={200: ArticleDetailSerializer}),
    take=extend_schema(summary="Take the article", request=VersionSerializer,
                       responses={200: ArticleDetailSerializer}),
)
class ArticleViewSet(TicketViewSet):
    """Knowledge articles, addressed by number; the service desk only."""

    kind = ARTICLE
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = ArticleFilter
    list_serializer = ArticleSerializer
    detail_serializer = ArticleDetailSerializer
    create_serializer = ArticleCreateSerializer
    write_serializer = ArticleWriteSerializer
    transition_serializer = ArticleTransitionSerializer

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        related = super().with_related(queryset, visible=visible, detail=detail).defer("search")
        related = related.select_related("knowledge_base")
        return related.select_related("published_version__author", "published_version__approved_by") if detail \
            else related


urlpatterns: list[URLPattern] = child_routes(ARTICLE, "knowledge/articles")
