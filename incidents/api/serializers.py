"""Serializers of the incident API.

On the fields every ticket has (core.api.ticket_serializers): the incident adds its category, parent, channel,
major flag, hold and resolution. The parent reads as `{"id", "number", "title"}` (its title only for a caller
who may see it).

End users get the same endpoints with fewer fields: END_USER_HIDDEN_FIELDS never reach them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import NamedRefSerializer
from core.api.ticket_serializers import (
    TicketDetailMixin,
    TicketSerializer,
    TicketTransitionSerializer,
    TicketWriteSerializer,
    long_text_field,
    reference_field,
)
from core.api.tickets import MAX_ID
from core.api.viewsets import VersionSerializer
from core.limits import TEXT_MAX_LENGTH
from incidents.choices import Channel, HoldReason, ResolutionCode, State
from incidents.kind import INCIDENT
from incidents.models import Category, Incident
from sla.api.serializers import TicketSlaMixin

INCIDENT_FIELDS = [
    "id", "number", "title", "description", "state", "hold_reason", "impact", "urgency", "priority", "category",
    "subcategory", "service", "team", "assignee", "requester", "channel", "major", "parent", "resolution_code",
    "resolution_notes", "opened_at", "updated_at", "resolved_at", "closed_at", "version",
]
DETAIL_FIELDS = [*INCIDENT_FIELDS, "watchers", "links", "sla"]
# The desk's own assessment and bookkeeping, as the kind declares it (nor who else watches, nor linked tickets).
END_USER_HIDDEN_FIELDS = INCIDENT.end_user_hidden_fields | {"watchers", "links"}


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)


class IncidentSerializer(TicketSerializer):
    """An incident as read by the list (and, with watchers and links, by the detail)."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    category = NamedRefSerializer(read_only=True, allow_null=True)
    subcategory = NamedRefSerializer(read_only=True, allow_null=True)
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = INCIDENT_FIELDS
        read_only_fields = fields
        role_dependent_fields = END_USER_HIDDEN_FIELDS

    @extend_schema_field(IncidentRefSerializer(allow_null=True))
    def get_parent(self, incident: Incident) -> dict[str, Any] | None:
        """The parent incident; its title only when the caller may see it (annotated `parent_visible`)."""
        if incident.parent_id is None:
            return None
        parent = incident.parent
        visible = getattr(incident, "parent_visible", True)
        return {"id": parent.pk, "number": parent.number, "title": parent.title if visible else None}


class IncidentDetailSerializer(TicketDetailMixin, TicketSlaMixin, IncidentSerializer):
    """The detail: the incident plus its watchers, its links to tickets the caller can see, and its SLA timers."""

    class Meta(IncidentSerializer.Meta):
        fields = DETAIL_FIELDS
        read_only_fields = fields


class IncidentWriteSerializer(TicketWriteSerializer):
    """What a create or a PATCH may carry. Role rules (who may set what) are checked by core.writes."""

    category = reference_field("top-level category (GET /api/v1/categories/)")
    subcategory = reference_field("subcategory (a category whose parent is `category`)")
    requester = reference_field("user the incident is raised for")
    parent = reference_field("parent incident (its `id`)")
    channel = serializers.ChoiceField(required=False, choices=Channel.choices)
    major = serializers.BooleanField(required=False)
    state = serializers.ChoiceField(
        required=False, choices=State.choices, help_text="Prefer POST .../transition/ to change the state."
    )
    hold_reason = serializers.ChoiceField(required=False, choices=HoldReason.choices, allow_blank=True)
    resolution_code = serializers.ChoiceField(required=False, choices=ResolutionCode.choices, allow_blank=True)
    resolution_notes = long_text_field()


class IncidentCreateSerializer(IncidentWriteSerializer):
    """What a create may carry: the fields of a PATCH but `version` (a new incident has none to compare with)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class TransitionSerializer(TicketTransitionSerializer):
    """A state change, with what the target state needs (a hold reason; a resolution code and notes)."""

    state = serializers.ChoiceField(choices=State.choices)
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True, default="")
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, allow_blank=True, default="")
    resolution_notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False,
                                             max_length=TEXT_MAX_LENGTH)
    solved_by = serializers.CharField(allow_blank=True, default="", max_length=20,
                                      help_text="Resolving: the number of the knowledge article that solved it "
                                                "(optional; counted on the article as used to resolve).")
    comment = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=TEXT_MAX_LENGTH,
                                    help_text="An optional public comment added with the change.")
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class CategorySerializer(serializers.ModelSerializer):
    parent = NamedRefSerializer(read_only=True, allow_null=True)
    full_name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "full_name", "parent"]
        read_only_fields = fields


__all__ = [
    "CategorySerializer", "IncidentCreateSerializer", "IncidentDetailSerializer", "IncidentSerializer",
    "IncidentWriteSerializer", "TransitionSerializer", "VersionSerializer",
]
