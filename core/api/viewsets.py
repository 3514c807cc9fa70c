"""The base API of a ticket kind: list, create, detail by number, PATCH, transition, take.

A kind's viewset subclasses `TicketViewSet`, names its kind, FilterSet and serializers, and overrides a
`perform_*` method only where it has its own service function. Every queryset starts from the kind's
`visible_to(user)` (THE access rule): a ticket outside it answers 404 everywhere. Writes go through core.writes
(or the kind's services built on it); their ValidationError, TransitionError, ConflictError and PermissionDenied
become 400, 400, 409 and 403 in core.api.exceptions. The child endpoints (comments, history, attachments,
watchers, links) come from core.api.children.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Role, role_of
from core import kinds, raised_from, related, writes
from core.api.filters import StableOrderingFilter
from core.api.idempotency import idempotent_create
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin
from core.kinds import Kind
from core.models import Ticket, TicketLink
from core.ticket_filters import DEFAULT_ORDERING, END_USER_ORDERING_FIELDS, ORDERING_FIELDS

RELATED = ("assignee", "requester")
# small reference tables: from the process's kept rows (core.reference_cache), neither joined nor queried
KEPT = ("service", "team")


def is_end_user(user: Any) -> bool:
    return role_of(user) == Role.END_USER


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
        return view.filterset_class(queryset=queryset, request=request).filter_text(queryset, self.param, value)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [{
            "name": self.param, "required": False, "in": "query", "schema": {"type": "string"},
            "description": "Text search over title and description (same as `q`); a ticket number matches exactly.",
        }]


class VersionSerializer(StrictInputMixin, serializers.Serializer):
    """The version the client read (optional): a stale one is answered 409 and changes nothing."""

    version = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tickets of one kind, addressed by number; subclasses set the attributes below."""

    kind: ClassVar[Kind]
    related: ClassVar[tuple[str, ...]] = RELATED
    kept: ClassVar[tuple[str, ...]] = KEPT
    list_serializer: ClassVar[type[serializers.BaseSerializer]]
    detail_serializer: ClassVar[type[serializers.BaseSerializer]]
    create_serializer: ClassVar[type[serializers.BaseSerializer]]
    write_serializer: ClassVar[type[serializers.BaseSerializer]]
    transition_serializer: ClassVar[type[serializers.BaseSerializer]]
    version_serializer: ClassVar[type[serializers.BaseSerializer]] = VersionSerializer

    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter, TextSearchFilter]
    ordering = DEFAULT_ORDERING

    @property
    def ordering_fields(self) -> list[str]:
        """What `?ordering=` accepts: end users may not sort on what they do not see."""
        user = getattr(getattr(self, "request", None), "user", None)
        return END_USER_ORDERING_FIELDS if is_end_user(user) else ORDERING_FIELDS

    def visible(self) -> QuerySet:
        """THE access rule, for this kind."""
        return self.kind.model.objects.visible_to(self.request.user)

    def with_related(self, queryset: QuerySet, *, visible: QuerySet | None = None, detail: bool = False) -> QuerySet:
        """Everything the serializers read, in a constant number of queries whatever the page size. The detail of
        a desk member also carries the watchers and the links to tickets they can see."""
        queryset = cast(Any, queryset.select_related(*self.related)).kept(*self.kept)
        user = self.request.user
        role = role_of(user)
        if detail and role is not None and role != Role.END_USER:
            tickets = Ticket.objects.visible_to(user).values("pk")
            links = TicketLink.objects.defer("source__search", "target__search").select_related("source", "target")
            queryset = queryset.prefetch_related(
                Prefetch("watchers", queryset=User.objects.order_by("username")),
                Prefetch("links_out", queryset=links.filter(target__in=tickets), to_attr="visible_links_out"),
                Prefetch("links_in", queryset=links.filter(source__in=tickets), to_attr="visible_links_in"),
            )
        return queryset

    def get_queryset(self) -> QuerySet:
        visible = self.visible()
        return self.with_related(visible, visible=visible, detail=self.action == "retrieve")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return self.list_serializer if self.action == "list" else self.detail_serializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "end_user": is_end_user(self.request.user)}

    def lookup_ticket(self) -> Any:
        """The ticket of the URL, if the caller can see it (404 otherwise); without its related rows."""
        return get_object_or_404(self.visible(), number=self.kwargs[self.lookup_field])

    def ticket_response(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The detail of a ticket the caller has just written (re-read with everything the serializer needs).

        Not scoped by the access rule: the caller wrote it, even if the write moved it out of their sight
        (e.g. an agent handing it to another team)."""
        ticket = self.with_related(self.kind.model.objects.all(), detail=True).get(pk=pk)
        data = self.detail_serializer(ticket, context=self.get_serializer_context()).data
        created = status_code == status.HTTP_201_CREATED
        headers = {"Location": reverse(f"{self.basename}-detail", args=[ticket.number])} if created else {}
        return Response(data, status=status_code, headers=headers)

    @staticmethod
    def validated(serializer: serializers.BaseSerializer) -> dict[str, Any]:
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    # --- writes: core.writes as one action of the kind (Kind.action: its notifications go out together); ------
    # override a perform_* only for what the kind adds (incidents: the parent's visibility, the channel)

    def perform_create_ticket(self, data: dict[str, Any]) -> Ticket:
        """Raise a ticket; the ids of the tickets it is raised from (`"incidents": [...]` for a problem, see
        core.raised_from) link them to it, each one the caller may see."""
        sources = [source for key in self.kind.raised_from for source in related.visible_of(
            kinds.get(key), self.request.user, ids=data.pop(kinds.get(key).slug, None) or [],
            field=kinds.get(key).slug)]
        if sources:
            return self.kind.action(raised_from.raise_for)(self.kind, self.request.user, data, sources)
        return self.kind.action(writes.create)(self.kind, self.request.user, data)

    def perform_update_ticket(self, ticket: Ticket, data: dict[str, Any], version: int | None) -> Ticket:
        return self.kind.action(writes.update)(self.kind, ticket, self.request.user, data, expected_version=version)

    def perform_transition(self, ticket: Ticket, data: dict[str, Any]) -> Ticket:
        fields = {name: data[name] for name in self.kind.transition_fields if name in data}
        return self.kind.action(writes.transition)(
            self.kind, ticket, self.request.user, data["state"], fields=fields,
            expected_version=data.get("version"), comment=data.get("comment", ""))

    def perform_take(self, ticket: Ticket, version: int | None) -> Ticket:
        return self.kind.action(writes.take)(self.kind, ticket, self.request.user, expected_version=version)

    @idempotent_create
    def create(self, request: Request) -> Response:
        data = self.validated(self.create_serializer(data=request.data, partial=True))
        ticket = self.perform_create_ticket(data)
        return self.ticket_response(ticket.pk, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, number: str | None = None) -> Response:
        ticket = self.lookup_ticket()
        data = self.validated(self.write_serializer(data=request.data, partial=True))
        version = data.pop("version", None)
        self.perform_update_ticket(ticket, data, version)
        return self.ticket_response(ticket.pk)

    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str | None = None) -> Response:
        ticket = self.lookup_ticket()
        self.perform_transition(ticket, self.validated(self.transition_serializer(data=request.data)))
        return self.ticket_response(ticket.pk)

    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, role_permission("tickets.work")])
    def take(self, request: Request, number: str | None = None) -> Response:
        ticket = self.lookup_ticket()
        data = self.validated(self.version_serializer(data=request.data))
        self.perform_take(ticket, data.get("version"))
        return self.ticket_response(ticket.pk)
