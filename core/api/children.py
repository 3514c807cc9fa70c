"""The endpoints every ticket kind has under /api/v1/{kind}/{number}/: comments, history, attachments, watchers
and links. A kind gets them all from `child_routes(kind, "incidents")`.

Each looks the ticket up through the access rule first (404 when the caller cannot see it), then asks
`core.access.may` what the caller may do: end users never see internal entries or attachments, and the
watcher and link lists are the desk's (403 for end users, who may only add or remove themselves as watchers).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core import access, journal, kinds, raised_from, related, writes
from core import services as core
from core.api.idempotency import IDEMPOTENCY_KEY, KEY_REUSED, idempotent_create
from core.api.serializers import StrictInputMixin, UserRefSerializer
from core.api.tickets import (
    MAX_ID,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentSerializer,
    JournalEntrySerializer,
    LinkInputSerializer,
    LinkSerializer,
    WatcherInputSerializer,
)
from core.kinds import Kind
from core.models import Attachment, JournalEntry, JournalKind, Ticket, TicketLink
from core.people import pickable_people

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH,
                          description="The ticket's number (INC0001234, PRB0001001...).")


class TicketChildView(generics.GenericAPIView):
    """Base of the endpoints under one ticket of a kind: the ticket comes from the access rule, or 404."""

    kind_key = ""  # set per route by child_routes()
    filter_backends: list = []

    @property
    def kind(self) -> Kind:
        return kinds.get(self.kind_key)

    def get_ticket(self) -> Ticket:
        if not hasattr(self, "_ticket"):
            visible = self.kind.model.objects.visible_to(self.request.user)
            self._ticket = get_object_or_404(visible, number=self.kwargs["number"])
        return self._ticket

    def may(self, action: str) -> bool:
        return access.may(self.request.user, action, self.get_ticket())

    def require(self, action: str) -> None:
        """After the 404 check: refuse (403) what the caller's role may not do to this ticket."""
        access.require(self.request.user, action, self.get_ticket())

    def get_serializer_context(self) -> dict[str, Any]:
        end_user = not self.is_schema() and not self.may("read_internal")
        return {**super().get_serializer_context(), "end_user": end_user}

    @staticmethod
    def validated(serializer: serializers.Serializer) -> dict[str, Any]:
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


@extend_schema_view(
    get=extend_schema(summary="Comments and work notes", parameters=[NUMBER]),
    post=extend_schema(summary="Add a comment or (agents) a work note", parameters=[NUMBER, IDEMPOTENCY_KEY],
                       request=CommentSerializer, responses={201: CommentSerializer, 422: KEY_REUSED}),
)
class CommentsView(TicketChildView, generics.ListCreateAPIView):
    """Public comments and internal work notes, oldest first. End users see and write public comments only."""

    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if self.is_schema():
            return JournalEntry.objects.none()
        entries = JournalEntry.objects.filter(
            ticket_id=self.get_ticket().pk, kind__in=[JournalKind.COMMENT, JournalKind.WORK_NOTE]
        )
        if not self.may("read_internal"):
            entries = entries.filter(internal=False)
        return entries.select_related("actor").order_by("created_at", "id")

    @idempotent_create
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        data = self.validated(CommentSerializer(data=request.data))
        entry = writes.comment(ticket, request.user, data["body"], internal=data["internal"],
                               time_spent=data.get("time_spent"))
        return Response(CommentSerializer(entry, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="The history: comments, work notes and field changes",
                                      parameters=[NUMBER]))
class HistoryView(TicketChildView, generics.ListAPIView):
    """The journal in time order: comments, work notes and one entry per field change (internal hidden from end
    users)."""

    serializer_class = JournalEntrySerializer

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if self.is_schema():
            return JournalEntry.objects.none()
        entries = JournalEntry.objects.filter(ticket_id=self.get_ticket().pk)
        if not self.may("read_internal"):
            entries = entries.filter(internal=False)
        return journal.with_references(entries.select_related("actor"), self.request.user).order_by("created_at", "id")

    def paginate_queryset(self, queryset: QuerySet[Any, Any]) -> list[Any] | None:
        """The page's entries with labels, and references rendered for the caller (core.journal.present)."""
        page = super().paginate_queryset(queryset)
        return None if page is None else journal.present(page, self.request.user, self.kind_key)


@extend_schema_view(
    get=extend_schema(summary="Attachments", parameters=[NUMBER]),
    post=extend_schema(summary="Attach a file (multipart/form-data)", parameters=[NUMBER],
                       request={"multipart/form-data": AttachmentUploadSerializer},
                       responses={201: AttachmentSerializer}),
)
class AttachmentsView(TicketChildView, generics.ListCreateAPIView):
    """Files on the ticket; each has a `download_url` (the access-checked download view)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Attachment]:
        if self.is_schema():
            return Attachment.objects.none()
        attachments = Attachment.objects.filter(ticket_id=self.get_ticket().pk)
        if not self.may("read_internal"):
            attachments = attachments.filter(internal=False)
        return attachments.select_related("uploaded_by").order_by("created_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        data = self.validated(AttachmentUploadSerializer(data=request.data))
        if data["internal"] and not self.may("attach_internal"):
            raise ValidationError({"internal": [access.REFUSALS["attach_internal"]]})
        if not self.may("attach"):
            raise ValidationError({"file": [access.REFUSALS["attach"]]})
        attachment = core.add_attachment(ticket, request.user, data["file"], internal=data["internal"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Watchers (service desk only)", parameters=[NUMBER]),
    post=extend_schema(summary="Add a watcher (end users: only themselves)", parameters=[NUMBER],
                       request=WatcherInputSerializer, responses={201: UserRefSerializer, 200: UserRefSerializer}),
)
class WatchersView(TicketChildView, generics.ListCreateAPIView):
    """Who follows the ticket. Agents list and add anyone; an end user may add only themselves."""

    serializer_class = UserRefSerializer
    extra_error_statuses = {"GET": {403}}  # the list is the desk's

    def get_queryset(self) -> QuerySet[User]:
        if self.is_schema():
            return User.objects.none()
        ticket = self.get_ticket()
        self.require("read_internal")
        return User.objects.filter(watcher_rows__ticket_id=ticket.pk).order_by("username")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        data = self.validated(WatcherInputSerializer(data=request.data))
        caller = cast(User, request.user)
        user_id: int = data.get("user", caller.pk)
        if user_id != caller.pk and not self.may("watch_others"):
            raise PermissionDenied("You can only add yourself as a watcher.")
        user = pickable_people(caller).filter(pk=user_id).select_related("organization").first()
        if user is None:
            raise ValidationError({"user": [f"No active user with id {user_id}."]})
        created = core.add_watcher(ticket, user, request.user,
                                   confirm_other_organization=data["confirm_other_organization"])
        return Response(UserRefSerializer(user).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(delete=extend_schema(summary="Remove a watcher (end users: only themselves)", parameters=[
    NUMBER, OpenApiParameter("user_id", int, OpenApiParameter.PATH)]))
class WatcherView(TicketChildView, generics.GenericAPIView):
    serializer_class = UserRefSerializer

    def delete(self, request: Request, number: str, user_id: int) -> Response:
        ticket = self.get_ticket()
        if user_id != request.user.pk and not self.may("watch_others"):
            raise PermissionDenied("You can only remove yourself from the watchers.")
        if not core.remove_watcher(ticket, get_object_or_404(User, pk=user_id), request.user):
            return Response({"detail": f"This user does not watch this {self.kind.label.lower()}."},
                            status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


def visible_links(ticket: Ticket, user: Any) -> QuerySet[TicketLink]:
    """The ticket's links whose other end the user may see (both directions)."""
    tickets = Ticket.objects.visible_to(user).values("pk")
    return TicketLink.objects.filter(
        Q(source_id=ticket.pk, target__in=tickets) | Q(target_id=ticket.pk, source__in=tickets)
    ).defer("source__search", "target__search").select_related("source", "target")


@extend_schema_view(
    get=extend_schema(summary="Links to other tickets (service desk only)", parameters=[NUMBER]),
    post=extend_schema(summary="Link to another ticket", parameters=[NUMBER], request=LinkInputSerializer,
                       responses={201: LinkSerializer}),
)
class LinksView(TicketChildView, generics.ListCreateAPIView):
    """Typed links (related, duplicate of, caused by, parent of) to tickets the caller can see."""

    serializer_class = LinkSerializer
    extra_error_statuses = {"GET": {403}}  # the list is the desk's

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not self.is_schema():
            context["ticket_id"] = self.get_ticket().pk
        return context

    def get_queryset(self) -> QuerySet[TicketLink]:
        if self.is_schema():
            return TicketLink.objects.none()
        ticket = self.get_ticket()
        self.require("read_internal")
        return visible_links(ticket, self.request.user).order_by("created_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        self.require("link")
        data = self.validated(LinkInputSerializer(data=request.data))
        number = data["target"].strip().upper()
        target = Ticket.objects.visible_to(request.user).filter(number=number).first()
        if target is None:
            raise ValidationError({"target": [f"No ticket {number} that you can see."]})
        link = core.link_tickets(ticket, target, data["kind"], request.user)
        link = TicketLink.objects.select_related("source", "target").get(pk=link.pk)
        return Response(LinkSerializer(link, context={"ticket_id": ticket.pk}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(delete=extend_schema(summary="Remove a link", parameters=[
    NUMBER, OpenApiParameter("link_id", int, OpenApiParameter.PATH)]))
class LinkView(TicketChildView, generics.GenericAPIView):
    serializer_class = LinkSerializer

    def delete(self, request: Request, number: str, link_id: int) -> Response:
        ticket = self.get_ticket()
        self.require("link")
        link = get_object_or_404(visible_links(ticket, request.user), pk=link_id)
        core.unlink_tickets(link, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SourceSerializer(serializers.ModelSerializer):
    """A ticket another was raised from or linked to (one of a problem's incidents)."""

    class Meta:
        model = Ticket
        fields = ["id", "number", "title", "state", "opened_at"]
        read_only_fields = fields


class SourcesView(TicketChildView, generics.ListCreateAPIView):
    """The tickets of one kind this ticket was raised from or linked to (core.raised_from: a problem's incidents)
    that the caller can see, newest first, a page at a time; POST `{"<kind>": id}` links one more (the answer is
    the first page). The desk's list, like the links."""

    serializer_class = SourceSerializer
    source_key = ""  # set per route by child_routes()
    input_serializer: type[serializers.Serializer] = serializers.Serializer

    def get_queryset(self) -> QuerySet[Any]:
        if self.is_schema():
            return Ticket.objects.none()
        ticket = self.get_ticket()
        self.require("read_internal")
        source_kind = kinds.get(self.source_key)
        linked = related.linked(source_kind, ticket, self.kind.raised_from[self.source_key], outgoing=False)
        return linked.filter(pk__in=source_kind.model.objects.visible_to(self.request.user).values("pk")).order_by(
            "-opened_at", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_ticket()
        self.require("link")
        source_id = self.validated(self.input_serializer(data=request.data))[self.source_key]
        source = related.visible_of(kinds.get(self.source_key), request.user, ids=[source_id], field=self.source_key)
        raised_from.link_source(self.kind, ticket, source[0], request.user)
        response = self.list(request)
        response.status_code = status.HTTP_201_CREATED
        return response


def sources_view(kind: Kind, source_kind: Kind) -> type[SourcesView]:
    """The view of a ticket's sources of one kind, with its input and its documentation."""
    label, plural = source_kind.label.lower(), source_kind.label_plural.lower()
    name = f"{kind.label}{source_kind.label}LinkInput".replace(" ", "")  # unique in the schema
    source_input = type(name, (StrictInputMixin, serializers.Serializer), {
        str(source_kind.key): serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                                  help_text=f"Id of a {label} you can see.")})
    documented = extend_schema_view(
        get=extend_schema(summary=f"The {plural} of this {kind.label.lower()} (service desk only)",
                          parameters=[NUMBER]),
        post=extend_schema(summary=f"Link one more {label}", parameters=[NUMBER], request=source_input,
                           responses={201: SourceSerializer(many=True)}),
    )
    return documented(type(f"{kind.label}{source_kind.label_plural}View".replace(" ", ""), (SourcesView,), {
        "source_key": str(source_kind.key), "input_serializer": source_input}))


def child_routes(kind: Kind, prefix: str) -> list[URLPattern]:
    """The child endpoints of a kind under `{prefix}/{number}/`, named `{kind.key}-comments` and so on; and one
    per kind it is raised from (`.../incidents/` of a problem), named `{kind.key}-{source slug}`."""
    base = f"{prefix}/<str:number>/"
    routes: list[tuple[str, Any, str]] = [
        ("comments/", CommentsView, "comments"), ("history/", HistoryView, "history"),
        ("attachments/", AttachmentsView, "attachments"), ("watchers/", WatchersView, "watchers"),
        ("watchers/<int:user_id>/", WatcherView, "watcher"), ("links/", LinksView, "links"),
        ("links/<int:link_id>/", LinkView, "link"),
    ]
    for key in kind.raised_from:
        source_kind = kinds.get(key)
        routes.append((f"{source_kind.slug}/", sources_view(kind, source_kind), source_kind.slug))
    return [path(base + tail, view.as_view(kind_key=kind.key), name=f"{kind.key}-{name}")
            for tail, view, name in routes]
