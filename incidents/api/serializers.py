"""Serializers of the incident API.

Reading: references come back as objects (`{"id", "name"}`; the parent as `{"id", "number", "title"}`).
Writing: references go in by id, and every write goes through incidents.services. The input serializers only
check types and shapes; who may set which field is the services' decision. They refuse unknown and
read-only keys by name (StrictInputMixin) rather than silently dropping them.

End users get the same endpoints with fewer fields: END_USER_HIDDEN_FIELDS never reach them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    NamedRefSerializer,
    RoleDependentFieldsMixin,
    StrictInputMixin,
    UserRefSerializer,
    inline_choice_field,
)
from core.api.tickets import MAX_ID, LinkSerializer
from core.api.viewsets import VersionSerializer
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, Urgency
from incidents.choices import Channel, HoldReason, ResolutionCode, State
from incidents.models import Category, Incident
from sla.api.serializers import TicketSlaSerializer, ticket_sla

INCIDENT_FIELDS = [
    "id", "number", "title", "description", "state", "hold_reason", "impact", "urgency", "priority", "category",
    "subcategory", "service", "team", "assignee", "requester", "channel", "major", "parent", "resolution_code",
    "resolution_notes", "opened_at", "updated_at", "resolved_at", "closed_at", "version",
]
DETAIL_FIELDS = [*INCIDENT_FIELDS, "watchers", "links", "sla"]
# The desk's own assessment and bookkeeping: not shown to end users (nor who else watches, nor linked tickets).
END_USER_HIDDEN_FIELDS = frozenset({"impact", "channel", "major", "parent", "watchers", "links"})
# Shown by the API but never accepted in a write.
READ_ONLY_NAMES = frozenset(
    {"id", "number", "priority", "opened_at", "updated_at", "resolved_at", "closed_at", "watchers", "links",
     "kind", "active", "organization", "sla"}
)


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)


class IncidentSerializer(RoleDependentFieldsMixin, serializers.ModelSerializer):
    """An incident as read by the list (and, with watchers and links, by the detail)."""

    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    impact = inline_choice_field(Impact.choices, read_only=True)
    urgency = inline_choice_field(Urgency.choices, read_only=True)
    category = NamedRefSerializer(read_only=True, allow_null=True)
    subcategory = NamedRefSerializer(read_only=True, allow_null=True)
    service = NamedRefSerializer(read_only=True, allow_null=True)
    team = NamedRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    requester = UserRefSerializer(read_only=True)
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


class IncidentDetailSerializer(IncidentSerializer):
    """The detail: the incident plus its watchers, its links to tickets the caller can see, and its SLA timers."""

    watchers = UserRefSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField(
        help_text="The incident's SLA timers (cancelled ones left out), with `percent` computed now. End users see "
        "only agreements of type SLA, without the definition id or type."
    )

    class Meta(IncidentSerializer.Meta):
        fields = DETAIL_FIELDS
        read_only_fields = fields

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, incident: Incident) -> list[dict[str, Any]]:
        links = [*getattr(incident, "visible_links_out", []), *getattr(incident, "visible_links_in", [])]
        links.sort(key=lambda link: (link.created_at, link.pk))
        return LinkSerializer(links, many=True, context={"ticket_id": incident.pk}).data

    @extend_schema_field(TicketSlaSerializer(many=True))
    def get_sla(self, incident: Incident) -> list[dict[str, Any]]:
        return ticket_sla(incident.pk, end_user=bool(self.context.get("end_user")))


def _ref_field(label: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=f"Id of the {label}; null clears it."
    )


class IncidentWriteSerializer(StrictInputMixin, serializers.Serializer):
    """What a create or a PATCH may carry. Role rules (who may set what) are checked by incidents.services.

    `version` (PATCH only) is the version the client read: a stale one is answered 409 and changes nothing.
    """

    read_only_names = READ_ONLY_NAMES

    title = serializers.CharField(required=False, max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                        max_length=TEXT_MAX_LENGTH)
    impact = inline_choice_field(Impact.choices, required=False)
    urgency = inline_choice_field(Urgency.choices, required=False)
    category = _ref_field("top-level category (GET /api/v1/categories/)")
    subcategory = _ref_field("subcategory (a category whose parent is `category`)")
    service = _ref_field("service (GET /api/v1/services/)")
    team = _ref_field("assignment group (GET /api/v1/teams/)")
    assignee = _ref_field("assigned agent (GET /api/v1/users/), a member of `team`")
    requester = _ref_field("user the incident is raised for")
    parent = _ref_field("parent incident (its `id`)")
    channel = serializers.ChoiceField(required=False, choices=Channel.choices)
    major = serializers.BooleanField(required=False)
    state = serializers.ChoiceField(
        required=False, choices=State.choices, help_text="Prefer POST .../transition/ to change the state."
    )
    hold_reason = serializers.ChoiceField(required=False, choices=HoldReason.choices, allow_blank=True)
    resolution_code = serializers.ChoiceField(required=False, choices=ResolutionCode.choices, allow_blank=True)
    resolution_notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                             max_length=TEXT_MAX_LENGTH)
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:  # a new incident has no version to compare with
            self.fields.pop("version")
            self.read_only_names = READ_ONLY_NAMES | {"version"}


class IncidentCreateSerializer(IncidentWriteSerializer):
    """What a create may carry: the fields of a PATCH but `version` (a new incident has none to compare with)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, creating=True, **kwargs)


class TransitionSerializer(StrictInputMixin, serializers.Serializer):
    """A state change, with what the target state needs (a hold reason; a resolution code and notes)."""

    state = serializers.ChoiceField(choices=State.choices)
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True, default="")
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, allow_blank=True, default="")
    resolution_notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False,
                                             max_length=TEXT_MAX_LENGTH)
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
