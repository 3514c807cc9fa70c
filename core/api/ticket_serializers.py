"""What every kind's ticket reads and accepts in the API; a kind's serializers subclass these and add its own
fields (and `sla.api.serializers.TicketSlaMixin` for the SLA timers of the detail).

Reading: references come back as objects (`{"id", "name"}`). Writing: references go in by id, and every write
goes through core.writes: the input serializers only check types and shapes (who may set which field is the
write path's decision) and refuse unknown and read-only keys by name (StrictInputMixin).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.representation import PlannedRepresentationMixin
from core.api.serializers import (
    NamedRefSerializer,
    RoleDependentFieldsMixin,
    StrictInputMixin,
    UserRefSerializer,
    inline_choice_field,
)
from core.api.tickets import MAX_ID, LinkSerializer
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, Ticket, Urgency
from core.task_states import TaskState

# Shown by the API but never accepted in a write, whatever the kind.
READ_ONLY_NAMES = frozenset({"id", "number", "priority", "opened_at", "updated_at", "resolved_at", "closed_at",
                             "watchers", "links", "kind", "active", "organization", "sla"})


class TicketSerializer(PlannedRepresentationMixin, RoleDependentFieldsMixin, serializers.ModelSerializer):
    """The fields every ticket has, as a list reads them. A kind declares its `state` (with its own choices)
    and its own fields, and lists them all in `Meta.fields`. Read with a plan per serializer
    (core.api.representation): the same output as DRF's, in a fraction of the time."""

    impact = inline_choice_field(Impact.choices, read_only=True)
    urgency = inline_choice_field(Urgency.choices, read_only=True)
    service = NamedRefSerializer(read_only=True, allow_null=True)
    team = NamedRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    requester = UserRefSerializer(read_only=True)

    class Meta:
        model = Ticket
        fields: list[str] = []
        read_only_fields = fields


class TicketDetailMixin(serializers.Serializer):
    """The detail's watchers and links to the tickets the caller can see (prefetched by the base viewset as
    `visible_links_out` / `visible_links_in`)."""

    watchers = UserRefSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, ticket: Ticket) -> list[dict[str, Any]]:
        links = [*getattr(ticket, "visible_links_out", []), *getattr(ticket, "visible_links_in", [])]
        links.sort(key=lambda link: (link.created_at, link.pk))
        return list(LinkSerializer(links, many=True, context={"ticket_id": ticket.pk}).data)


def reference_field(label: str) -> serializers.IntegerField:
    """An input reference by id; null clears it."""
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=f"Id of the {label}; null clears it."
    )


def sources_field(label_plural: str) -> serializers.ListField:
    """The ids of the tickets a new one is raised from (a problem's incidents: core.raised_from)."""
    return serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                 max_length=500, help_text=f"Ids of the {label_plural} it is raised for.")


def long_text_field() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=TEXT_MAX_LENGTH)


class TicketWriteSerializer(StrictInputMixin, serializers.Serializer):
    """What a create or a PATCH of any kind may carry; a kind adds its own fields (and its `state` choices).

    `version` (PATCH only) is the version the client read: a stale one is answered 409 and changes nothing.
    """

    read_only_names = READ_ONLY_NAMES

    title = serializers.CharField(required=False, max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                        max_length=TEXT_MAX_LENGTH)
    impact = inline_choice_field(Impact.choices, required=False)
    urgency = inline_choice_field(Urgency.choices, required=False)
    service = reference_field("service (GET /api/v1/services/)")
    team = reference_field("assignment group (GET /api/v1/teams/)")
    assignee = reference_field("assigned agent (GET /api/v1/users/), a member of `team`")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:  # a new ticket has no version to compare with
            self.fields.pop("version")
            self.read_only_names = self.read_only_names | {"version"}


class TicketTransitionSerializer(StrictInputMixin, serializers.Serializer):
    """A state change of any kind: a kind adds its `state` (with its choices) and what its target states need."""

    comment = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=TEXT_MAX_LENGTH,
                                    help_text="An optional comment added with the change.")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class TaskTransitionSerializer(TicketTransitionSerializer):
    """A task's state change (core.task_states), with what was done when it is finished."""

    state = serializers.ChoiceField(choices=TaskState.choices)
    close_notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False,
                                        max_length=TEXT_MAX_LENGTH, help_text="What was done (done or cancelled).")
