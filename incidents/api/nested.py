"""The endpoints under /api/v1/incidents/{number}/: comments, history, attachments, watchers and links.

Each looks the incident up through the access rule first (404 when the caller cannot see it), then applies
what the caller's role allows: end users never see internal entries or attachments, and the watcher and link
lists are the desk's (403 for end users, who may only add or remove themselves as watchers).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core import journal
from core import services as core
from core.api.idempotency import IDEMPOTENCY_KEY, KEY_REUSED, idempotent_create
from core.api.serializers import UserRefSerializer
from core.models import Attachment, JournalEntry, JournalKind, Ticket, TicketKind, TicketLink
from core.people import pickable_people
from incidents import services
from incidents.api.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentSerializer,
    JournalEntrySerializer,
    LinkInputSerializer,
    LinkSerializer,
    WatcherInputSerializer,
)
from incidents.api.views import is_end_user, visible_incidents
from incidents.choices import State
from incidents.models import Incident

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The incident number (INC0001234).")
CLOSED_STATES = (State.CLOSED, State.CANCELLED)


class IncidentChildView(generics.GenericAPIView):
    """Base of the endpoints under an incident: the incident comes from the access rule, or 404."""

    filter_backends: list = []

    def get_incident(self) -> Incident:
        if not hasattr(self, "_incident"):
            self._incident = get_object_or_404(visible_incidents(self.request.user), number=self.kwargs["number"])
        return self._incident

    def end_user(self) -> bool:
        return is_end_user(self.request.user)

    def require_desk(self) -> None:
        """After the 404 check: the desk's own lists are refused to end users."""
        if self.end_user():
            raise PermissionDenied("Only the service desk can see this.")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "end_user": self.end_user()}

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
class IncidentCommentsView(IncidentChildView, generics.ListCreateAPIView):
    """Public comments and internal work notes, oldest first. End users see and write public comments only."""

    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if self.is_schema():
            return JournalEntry.objects.none()
        entries = JournalEntry.objects.filter(
            ticket_id=self.get_incident().pk, kind__in=[JournalKind.COMMENT, JournalKind.WORK_NOTE]
        )
        if self.end_user():
            entries = entries.filter(internal=False)
        return entries.select_related("actor").order_by("created_at", "id")

    @idempotent_create
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_incident()
        data = self.validated(CommentSerializer(data=request.data))
        entry = services.add_comment(incident, request.user, data["body"], internal=data["internal"])
        return Response(CommentSerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="The history: comments, work notes and field changes",
                                      parameters=[NUMBER]))
class IncidentHistoryView(IncidentChildView, generics.ListAPIView):
    """The journal in time order: comments, work notes and one entry per field change (internal hidden from end
    users)."""

    serializer_class = JournalEntrySerializer

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if self.is_schema():
            return JournalEntry.objects.none()
        entries = JournalEntry.objects.filter(ticket_id=self.get_incident().pk)
        if self.end_user():
            entries = entries.filter(internal=False)
        return journal.with_references(entries.select_related("actor"), self.request.user).order_by("created_at", "id")

    def paginate_queryset(self, queryset: QuerySet[JournalEntry]) -> list[JournalEntry] | None:
        """The page's entries with labels, and references rendered for the caller (core.journal.present)."""
        page = super().paginate_queryset(queryset)
        return None if page is None else journal.present(page, self.request.user, TicketKind.INCIDENT)


@extend_schema_view(
    get=extend_schema(summary="Attachments", parameters=[NUMBER]),
    post=extend_schema(summary="Attach a file (multipart/form-data)", parameters=[NUMBER],
                       request={"multipart/form-data": AttachmentUploadSerializer},
                       responses={201: AttachmentSerializer}),
)
class IncidentAttachmentsView(IncidentChildView, generics.ListCreateAPIView):
    """Files on the incident; each has a `download_url` (the access-checked download view)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Attachment]:
        if self.is_schema():
            return Attachment.objects.none()
        attachments = Attachment.objects.filter(ticket_id=self.get_incident().pk)
        if self.end_user():
            attachments = attachments.filter(internal=False)
        return attachments.select_related("uploaded_by").order_by("created_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_incident()
        data = self.validated(AttachmentUploadSerializer(data=request.data))
        if self.end_user():
            if data["internal"]:
                raise ValidationError({"internal": ["Only agents can add internal attachments."]})
            if incident.state in CLOSED_STATES:
                raise ValidationError({"file": ["This incident is closed: raise a new one if the problem is back."]})
        attachment = core.add_attachment(incident, request.user, data["file"], internal=data["internal"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Watchers (service desk only)", parameters=[NUMBER]),
    post=extend_schema(summary="Add a watcher (end users: only themselves)", parameters=[NUMBER],
                       request=WatcherInputSerializer, responses={201: UserRefSerializer, 200: UserRefSerializer}),
)
class IncidentWatchersView(IncidentChildView, generics.ListCreateAPIView):
    """Who follows the incident. Agents list and add anyone; an end user may add only themselves."""

    serializer_class = UserRefSerializer
    extra_error_statuses = {"GET": {403}}  # the list is the desk's

    def get_queryset(self) -> QuerySet[User]:
        if self.is_schema():
            return User.objects.none()
        incident = self.get_incident()
        self.require_desk()
        return User.objects.filter(watcher_rows__ticket_id=incident.pk).order_by("username")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_incident()
        data = self.validated(WatcherInputSerializer(data=request.data))
        user_id = data.get("user", request.user.pk)
        if self.end_user() and user_id != request.user.pk:
            raise PermissionDenied("You can only add yourself as a watcher.")
        user = pickable_people(request.user).filter(pk=user_id).select_related("organization").first()
        if user is None:
            raise ValidationError({"user": [f"No active user with id {user_id}."]})
        created = core.add_watcher(incident, user, request.user,
                                   confirm_other_organization=data["confirm_other_organization"])
        return Response(UserRefSerializer(user).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(delete=extend_schema(summary="Remove a watcher (end users: only themselves)", parameters=[
    NUMBER, OpenApiParameter("user_id", int, OpenApiParameter.PATH)]))
class IncidentWatcherView(IncidentChildView, generics.GenericAPIView):
    serializer_class = UserRefSerializer

    def delete(self, request: Request, number: str, user_id: int) -> Response:
        incident = self.get_incident()
        if self.end_user() and user_id != request.user.pk:
            raise PermissionDenied("You can only remove yourself from the watchers.")
        if not core.remove_watcher(incident, get_object_or_404(User, pk=user_id), request.user):
            return Response({"detail": "This user does not watch the incident."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(summary="Links to other tickets (service desk only)", parameters=[NUMBER]),
    post=extend_schema(summary="Link to another ticket", parameters=[NUMBER], request=LinkInputSerializer,
                       responses={201: LinkSerializer}),
)
class IncidentLinksView(IncidentChildView, generics.ListCreateAPIView):
    """Typed links (related, duplicate of, caused by, parent of) to tickets the caller can see."""

    serializer_class = LinkSerializer
    extra_error_statuses = {"GET": {403}}  # the list is the desk's

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not self.is_schema():
            context["incident_id"] = self.get_incident().pk
        return context

    def get_queryset(self) -> QuerySet[TicketLink]:
        if self.is_schema():
            return TicketLink.objects.none()
        incident = self.get_incident()
        self.require_desk()
        tickets = Ticket.objects.visible_to(self.request.user).values("pk")
        return (
            TicketLink.objects.filter(Q(source_id=incident.pk, target__in=tickets) | Q(target_id=incident.pk,
                                                                                        source__in=tickets))
            .defer("source__search", "target__search").select_related("source", "target").order_by("created_at", "id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_incident()
        self.require_desk()
        data = self.validated(LinkInputSerializer(data=request.data))
        number = data["target"].strip().upper()
        target = Ticket.objects.visible_to(request.user).filter(number=number).first()
        if target is None:
            raise ValidationError({"target": [f"No ticket {number} that you can see."]})
        link = core.link_tickets(incident, target, data["kind"], request.user)
        link = TicketLink.objects.select_related("source", "target").get(pk=link.pk)
        return Response(LinkSerializer(link, context={"incident_id": incident.pk}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(delete=extend_schema(summary="Remove a link", parameters=[
    NUMBER, OpenApiParameter("link_id", int, OpenApiParameter.PATH)]))
class IncidentLinkView(IncidentChildView, generics.GenericAPIView):
    serializer_class = LinkSerializer

    def delete(self, request: Request, number: str, link_id: int) -> Response:
        incident = self.get_incident()
        self.require_desk()
        tickets = Ticket.objects.visible_to(request.user).values("pk")
        link = get_object_or_404(
            TicketLink.objects.select_related("source", "target"),
            Q(source_id=incident.pk, target__in=tickets) | Q(target_id=incident.pk, source__in=tickets), pk=link_id,
        )
        core.unlink_tickets(link, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
