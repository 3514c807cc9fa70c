"""The change task API under /api/v1/change-tasks/ (the desk only), on core.api.viewsets: list (?change=CHG...),
create ({"change": "CHG...", "title", "task_type", "team", "assignee", "order"}), detail, PATCH, transition
({"state": "done", "close_notes"}), take, and the child endpoints every kind has."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import URLPattern
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from changes.choices import TaskState, TaskType
from changes.kind import CHANGE
from changes.models import ChangeTask
from changes.task_kind import CHANGE_TASK
from changes.task_views import ChangeTaskFilter
from core.api.children import child_routes
from core.api.idempotency import IDEMPOTENCY_KEY
from core.api.permissions import role_permission
from core.api.serializers import inline_choice_field
from core.api.ticket_serializers import (
    READ_ONLY_NAMES,
    TaskTransitionSerializer,
    TicketDetailMixin,
    TicketSerializer,
    TicketWriteSerializer,
)
from core.api.viewsets import TicketViewSet, VersionSerializer
from sla.api.serializers import TicketSlaMixin

FIELDS = ["id", "number", "change", "order", "title", "description", "state", "task_type", "impact", "urgency",
          "priority", "service", "team", "assignee", "requester", "close_notes", "opened_at", "updated_at",
          "resolved_at", "closed_at", "version"]


class ChangeTaskSerializer(TicketSerializer):
    """A change task as the list reads it."""

    state = serializers.ChoiceField(choices=TaskState.choices, read_only=True)
    task_type = inline_choice_field(TaskType.choices, read_only=True)
    change = serializers.CharField(source="parent_change.number", read_only=True, help_text="The change's number.")

    class Meta:
        model = ChangeTask
        fields = FIELDS
        read_only_fields = fields


class ChangeTaskDetailSerializer(TicketDetailMixin, TicketSlaMixin, ChangeTaskSerializer):
    class Meta(ChangeTaskSerializer.Meta):
        fields = [*FIELDS, "watchers", "links", "sla"]
        read_only_fields = fields


class ChangeTaskWriteSerializer(TicketWriteSerializer):
    read_only_names = READ_ONLY_NAMES | {"close_notes", "requester", "change"}

    task_type = inline_choice_field(TaskType.choices, required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=999)
    state = serializers.ChoiceField(required=False, choices=TaskState.choices,
                                    help_text="Prefer POST .../transition/ to change the state.")


class ChangeTaskCreateSerializer(ChangeTaskWriteSerializer):
    read_only_names = READ_ONLY_NAMES | {"close_notes", "requester"}

    change = serializers.CharField(max_length=20, help_text="The number of the (open) change the task belongs to.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="Change tasks (the service desk only)", responses=ChangeTaskSerializer),
    retrieve=extend_schema(summary="One change task", responses=ChangeTaskDetailSerializer),
    create=extend_schema(summary="Add a task to a change", request=ChangeTaskCreateSerializer,
                         parameters=[IDEMPOTENCY_KEY], responses={201: ChangeTaskDetailSerializer}),
    partial_update=extend_schema(summary="Change fields of a change task", request=ChangeTaskWriteSerializer,
                                 responses={200: ChangeTaskDetailSerializer}),
    transition=extend_schema(summary="Change the state", request=TaskTransitionSerializer,
                             responses={200: ChangeTaskDetailSerializer}),
    take=extend_schema(summary="Take the task", request=VersionSerializer,
                       responses={200: ChangeTaskDetailSerializer}),
)
class ChangeTaskViewSet(TicketViewSet):
    """Change tasks, addressed by number; the service desk only."""

    kind = CHANGE_TASK
    related = (*TicketViewSet.related, "parent_change")
    permission_classes = [IsAuthenticated, role_permission("tickets.work")]
    filterset_class = ChangeTaskFilter
    list_serializer = ChangeTaskSerializer
    detail_serializer = ChangeTaskDetailSerializer
    create_serializer = ChangeTaskCreateSerializer
    write_serializer = ChangeTaskWriteSerializer
    transition_serializer = TaskTransitionSerializer

    def perform_create_ticket(self, data: dict[str, Any]) -> ChangeTask:
        """The task's change, by number, one the caller can see (else it does not exist for them)."""
        number = str(data.pop("change", "")).strip().upper()
        change = CHANGE.model.objects.visible_to(self.request.user).filter(number=number).first()
        if change is None:
            raise ValidationError({"change": [f"No change {number} that you can see."]})
        task: Any = super().perform_create_ticket({**data, "parent_change": change})
        return task

    def with_related(self, queryset: Any, *, visible: Any = None, detail: bool = False) -> Any:
        return super().with_related(queryset, visible=visible, detail=detail).defer("search")


urlpatterns: list[URLPattern] = child_routes(CHANGE_TASK, "change-tasks")
