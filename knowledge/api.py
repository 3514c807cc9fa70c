"""The knowledge API.

- /api/v1/knowledge/articles/: what readers get, for everyone signed in: the published version of each article
  the caller may read (end users: public ones only; never a draft, never a retired article), with the files of
  that version (`files`, each with its `download_url`; `body_html` points its images and links there), newest
  first or, with `?q=`, ranked by the full-text search with a snippet; filters `knowledge_base`, `service`; the
  detail by number; `GET {number}/versions/` (the desk): every published version; `POST {number}/roll-back/`
  {"version"}: publish an earlier one's text again (the knowledge base's reviewers and managers; 403 otherwise);
  `POST {number}/feedback/` {"helpful", "comment"}: whether it helped (anyone who reads it).
- /api/v1/knowledge/drafts/: the desk's working copies (core.api.viewsets): list, create, detail (with its
  published version and versions), PATCH, transition (to review: the reviewers are asked; published only by their
  approval, from /api/v1/approvals/), take, and the child endpoints every kind has.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import URLPattern, path
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import NamedRefSerializer, StrictInputMixin, inline_choice_field
from core.api.ticket_serializers import (
    READ_ONLY_NAMES,
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
    TicketWriteSerializer,
    long_text_field,
    reference_field,
)
from core.api.tickets import MAX_ID
from core.api.viewsets import TicketViewSet, VersionSerializer
from core.models import Attachment
from knowledge import files, search, services
from knowledge.choices import ArticleState, ArticleType, Audience
from knowledge.kind import ARTICLE
from knowledge.markdown import render as markdown
from knowledge.models import Article, ArticleVersion, KnowledgeBase
from knowledge.views import ArticleFilter

FIELDS = ["id", "number", "title", "description", "body", "keywords", "audience", "type", "knowledge_base", "state",
          "valid_until", "service", "category", "team", "assignee", "requester", "opened_at", "updated_at", "version"]


class ArticleSerializer(TicketSerializer):
    state = serializers.ChoiceField(choices=ArticleState.choices, read_only=True)
    audience = inline_choice_field(Audience.choices, read_only=True)
    type = inline_choice_field(ArticleType.choices, source="article_type", read_only=True,
                               help_text="A known error is published from its problem, which keeps it in step.")
    category = NamedRefSerializer(read_only=True, allow_null=True)
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
    used_to_resolve = serializers.SerializerMethodField(
        help_text="How many tickets named it as their solution when they were resolved.")
    organizations: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True,
        help_text="A public article: the only organizations whose end users read it (empty: everyone).")

    class Meta(ArticleSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "published_version", "versions", "views", "used_to_resolve",
                  "organizations"]
        read_only_fields = fields

    def get_used_to_resolve(self, article: Article) -> int:
        return services.used_to_resolve(article)

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
    category = reference_field("top-level category (GET /api/v1/categories/)")
    organizations = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), many=True, required=False,
        help_text="A public article: only these organizations' end users read it (empty: everyone); from the next "
                  "published version.")
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
    kept = (*TicketViewSet.kept, "category")

    def perform_create_ticket(self, data: dict[str, Any]) -> Any:
        """The draft, then the organizations it is restricted to: both or nothing."""
        organizations = data.pop("organizations", None)
        with transaction.atomic():
            article = super().perform_create_ticket(data)
            if organizations is not None:
                services.set_organizations(article, self.request.user, organizations)
        return article

    def perform_update_ticket(self, ticket: Any, data: dict[str, Any], version: int | None) -> Any:
        """The working copy's fields through the core's write path, then its organizations."""
        organizations = data.pop("organizations", None)
        with transaction.atomic():
            article = super().perform_update_ticket(ticket, data, version)
            if organizations is not None:
                services.set_organizations(article, self.request.user, organizations)
        return article

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        related = super().with_related(queryset, visible=visible, detail=detail).defer("search")
        related = related.select_related("knowledge_base")
        return related.select_related("published_version__author", "published_version__approved_by") if detail \
            else related


class KnownErrorSerializer(StrictInputMixin, serializers.Serializer):
    problem = serializers.CharField(max_length=20, help_text="The number of a problem that is a known error.")
    knowledge_base = serializers.SlugRelatedField(slug_field="slug", queryset=KnowledgeBase.objects.all())
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.INTERNAL,
                                       help_text="Who reads it: the service desk only (default) or everyone.")


class KnownErrorView(APIView):
    """Publish a problem's known error as a knowledge article of type known error (no review: the problem owns its
    text, and every change of its workaround, cause or fix publishes a new version)."""

    permission_classes = [IsAuthenticated, role_permission("tickets.work")]

    @extend_schema(summary="Publish a problem's known error as an article", request=KnownErrorSerializer,
                   responses={201: ArticleDetailSerializer})
    def post(self, request: Request) -> Response:
        from core.models import Ticket, TicketKind
        from knowledge import known_errors

        data = KnownErrorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["problem"].strip().upper()
        problem = Ticket.objects.visible_to(request.user).filter(kind=TicketKind.PROBLEM, number=number).first()
        if problem is None:
            raise DRFValidationError({"problem": [f"No problem {number} that you can see."]})
        article = known_errors.publish(problem, request.user, data.validated_data["knowledge_base"],
                                       data.validated_data["audience"])
        detail = Article.objects.select_related("knowledge_base", "published_version").get(pk=article.pk)
        return Response(ArticleDetailSerializer(detail, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    *child_routes(ARTICLE, "knowledge/drafts"),
    path("knowledge/known-errors/", KnownErrorView.as_view(), name="api-known-errors"),
]


class PublishedFileSerializer(serializers.Serializer):
    """A file of the published version: its name, size and where its reader downloads it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="filename", read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="In bytes.")
    download_url = serializers.SerializerMethodField(
        help_text="The reader's file view (the API token or the browser's session): inert images inline, anything "
                  "else as a download.")

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, attachment: Attachment) -> str:
        return files.reader_url(self.context["article"], attachment)


class PublishedArticleSerializer(serializers.ModelSerializer):
    """An article as readers get it: its last published version, its Markdown and the sanitised HTML (its
    `attachment:` references pointing to the files' download URLs), and the version's files."""

    title = serializers.CharField(source="published_version.title", read_only=True)
    summary = serializers.CharField(source="published_version.summary", read_only=True)
    body = serializers.CharField(source="published_version.body", read_only=True, help_text="Markdown.")
    body_html = serializers.SerializerMethodField(help_text="The body as sanitised HTML.")
    keywords = serializers.CharField(source="published_version.keywords", read_only=True)
    audience = inline_choice_field(Audience.choices, source="published_version.audience", read_only=True)
    type = inline_choice_field(ArticleType.choices, source="article_type", read_only=True)
    knowledge_base: serializers.SlugRelatedField[KnowledgeBase] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True)
    service = serializers.CharField(source="service.name", read_only=True, allow_null=True, default=None)
    category = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    version = serializers.IntegerField(source="published_version.number", read_only=True)
    published_at = serializers.DateTimeField(source="published_version.published_at", read_only=True)
    snippet = serializers.SerializerMethodField(help_text="With ?q=: where the words matched (HTML, in <mark>).")
    files = serializers.SerializerMethodField(help_text="The files of the published version.")

    class Meta:
        model = Article
        fields = ["number", "title", "summary", "body", "body_html", "keywords", "audience", "type",
                  "knowledge_base", "service", "category", "version", "published_at", "snippet", "files"]
        read_only_fields = fields

    def get_body_html(self, article: Article) -> str:
        version = article.published_version
        if version is None:
            return ""
        return markdown(version.body, files.reader_files(article, files.version_files(version)))

    @extend_schema_field(PublishedFileSerializer(many=True))
    def get_files(self, article: Article) -> list[dict[str, Any]]:
        version = article.published_version
        attached = files.version_files(version) if version is not None else []
        return list(PublishedFileSerializer(attached, many=True, context={"article": article}).data)

    def get_snippet(self, article: Article) -> str | None:
        text = getattr(article, "snippet_text", None)
        return search.snippet(text) if text is not None else None


class FeedbackSerializer(StrictInputMixin, serializers.Serializer):
    helpful = serializers.BooleanField(help_text="Whether the article helped.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="",
                                    help_text="What was missing or unclear (optional).")


class RollBackSerializer(StrictInputMixin, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The version to publish again.")


class PublishedFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", help_text="Words to find (the last one as a prefix); ranked.")
    knowledge_base = filters.CharFilter(field_name="knowledge_base__slug")
    service = filters.NumberFilter(field_name="service_id", min_value=1, max_value=MAX_ID)
    type = filters.ChoiceFilter(field_name="article_type", choices=ArticleType.choices)
    audience = filters.ChoiceFilter(field_name="published_version__audience", choices=Audience.choices)
    category = filters.NumberFilter(field_name="category_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Article
        fields = ["q", "knowledge_base", "service", "category", "type", "audience"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return search.search(queryset, value[:200])


@extend_schema_view(list=extend_schema(summary="Knowledge articles as readers get them (?q= to search)"),
                    retrieve=extend_schema(summary="One article's published version"))
class PublishedArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """The published knowledge the caller may read; anything else (a draft, a retired or internal article for an
    end user) is 404."""

    serializer_class = PublishedArticleSerializer
    permission_classes = [IsAuthenticated, role_permission("portal.use")]
    filterset_class = PublishedFilter
    filter_backends = [DjangoFilterBackend]
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_queryset(self) -> Any:
        articles = services.readable(self.request.user).select_related("service", "category").prefetch_related(
            "published_version__files")
        if self.request.query_params.get("q", "").strip():
            return articles  # ranked by the search
        return articles.order_by("-published_version__published_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The list; a search is remembered with how many it found (the report lists those that found nothing)."""
        response = super().list(request, *args, **kwargs)
        text = request.query_params.get("q", "").strip()
        if text and response.status_code == 200:
            services.log_search(text, int(response.data.get("count") or 0))
        return response

    @extend_schema(summary="Say whether the article helped (a second answer replaces the first)",
                   request=FeedbackSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, number: str | None = None) -> Response:
        article = self.get_object()
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.give_feedback(article, request.user, data.validated_data["helpful"],
                                       data.validated_data["comment"])
        return Response({"helpful": saved.helpful, "comment": saved.comment}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Publish an earlier version's text again, as a new version (reviewers, managers)",
                   request=RollBackSerializer, responses={201: VersionOutSerializer})
    @action(detail=True, methods=["post"], url_path="roll-back",
            permission_classes=[IsAuthenticated, role_permission("tickets.work")])
    def roll_back(self, request: Request, number: str | None = None) -> Response:
        article = self.get_object()
        data = RollBackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.roll_back(article, data.validated_data["version"], request.user)
        return Response(VersionOutSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Every published version of the article (the service desk)",
                   responses=VersionOutSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated, role_permission("tickets.work")])
    def versions(self, request: Request, number: str | None = None) -> Response:
        article = self.get_object()
        rows = article.versions.select_related("author", "approved_by")
        return Response(VersionOutSerializer(rows, many=True).data)
