"""Serializers of what every ticket kind has under /api/v1/{kind}/{number}/: comments, history, attachments,
watchers and links (core.api.children). Input serializers refuse unknown keys by name (StrictInputMixin); who
may do what is core.access's and the services' decision."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import RoleDependentFieldsMixin, StrictInputMixin, UserRefSerializer, inline_choice_field
from core.limits import TEXT_MAX_LENGTH
from core.models import MAX_TIME_SPENT, Attachment, JournalEntry, JournalKind, LinkKind, TicketLink

MAX_ID = 2**63 - 1


class TicketRefSerializer(serializers.Serializer):
    """Another ticket as the caller may know it (its title only when they may see it)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    kind = serializers.CharField(read_only=True)


class LinkSerializer(serializers.ModelSerializer):
    """A link seen from one ticket (context `ticket_id`): its kind, direction and the ticket at the other end."""

    kind = inline_choice_field(LinkKind.choices, read_only=True)
    direction = serializers.SerializerMethodField()
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = TicketLink
        fields = ["id", "kind", "direction", "ticket", "created_at"]
        read_only_fields = fields

    def _outgoing(self, link: TicketLink) -> bool:
        return link.source_id == self.context["ticket_id"]

    @extend_schema_field(serializers.ChoiceField(choices=["outgoing", "incoming"]))
    def get_direction(self, link: TicketLink) -> str:
        return "outgoing" if self._outgoing(link) else "incoming"

    @extend_schema_field(TicketRefSerializer)
    def get_ticket(self, link: TicketLink) -> dict[str, Any]:
        other = link.target if self._outgoing(link) else link.source
        return {"id": other.pk, "number": other.number, "title": other.title, "kind": other.kind}


class CommentSerializer(RoleDependentFieldsMixin, StrictInputMixin, serializers.ModelSerializer):
    """A public comment, or (agents only) an internal work note, with the minutes the desk spent (agents only;
    end users never read it)."""

    kind = inline_choice_field(JournalKind.choices, read_only=True)
    author = UserRefSerializer(source="actor", read_only=True, allow_null=True)
    body = serializers.CharField(trim_whitespace=False, max_length=TEXT_MAX_LENGTH)
    internal = serializers.BooleanField(default=False, help_text=(
        "A work note, visible to agents only (always, on a kind end users never see: problems, changes, knowledge "
        "articles...)."))
    time_spent = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_TIME_SPENT,
        help_text="Minutes the desk spent (0-1440), logged with the comment (agents only; never shown to end users).")

    class Meta:
        model = JournalEntry
        fields = ["id", "kind", "internal", "body", "time_spent", "author", "created_at"]
        read_only_fields = ["id", "kind", "author", "created_at"]
        role_dependent_fields = frozenset({"time_spent"})


class JournalEntrySerializer(serializers.ModelSerializer):
    """One line of the history: a comment, a work note, or one field's change (field, old and new value).

    Reads entries prepared for the caller by core.journal.present (the history view does it, one page at a time).
    """

    kind = inline_choice_field(JournalKind.choices, read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)
    old_value = serializers.CharField(
        source="api_old_value", read_only=True,
        help_text="The value before: a choice's code (state `in_progress`, priority `4`), a name, or the text. A "
        "ticket you cannot see reads `another ticket`.",
    )
    new_value = serializers.CharField(source="api_new_value", read_only=True,
                                      help_text="The value after (as old_value).")
    old_label = serializers.CharField(
        read_only=True, help_text="The value before in words, as pages show it: a choice's label (`4 - Low`), a "
        "ticket's number and title (only when you may see it).",
    )
    new_label = serializers.CharField(read_only=True, help_text="The value after in words (as old_label).")
    old_ticket = serializers.SerializerMethodField(help_text="The ticket the value before referred to (links, parent)"
                                                   " when you may see it; null otherwise.")
    new_ticket = serializers.SerializerMethodField(help_text="The ticket the value after refers to (links, parent) "
                                                   "when you may see it; null otherwise.")

    class Meta:
        model = JournalEntry
        fields = ["id", "kind", "internal", "body", "field", "old_value", "new_value", "old_label", "new_label",
                  "old_ticket", "new_ticket", "actor", "created_at"]
        read_only_fields = fields

    @extend_schema_field(TicketRefSerializer(allow_null=True))
    def get_old_ticket(self, entry: JournalEntry) -> dict[str, Any] | None:
        ref = getattr(entry, "old_ref", None)  # set by core.journal.present
        return ref.as_api() if ref else None

    @extend_schema_field(TicketRefSerializer(allow_null=True))
    def get_new_ticket(self, entry: JournalEntry) -> dict[str, Any] | None:
        ref = getattr(entry, "new_ref", None)
        return ref.as_api() if ref else None


def download_path(attachment_id: int) -> str:
    """The access-checked download view of an attachment (it accepts the API's token as well as a session)."""
    return reverse("attachment-download", args=[attachment_id])


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserRefSerializer(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "internal", "uploaded_by", "created_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, attachment: Attachment) -> str:
        return download_path(attachment.pk)


class AttachmentUploadSerializer(StrictInputMixin, serializers.Serializer):
    """multipart/form-data: `file`, and `internal` (agents only) to hide it from end users."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)
    internal = serializers.BooleanField(default=False, help_text=(
        "Hidden from end users (agents only; always, on a kind end users never see: problems, changes, knowledge "
        "articles...)."))


class WatcherInputSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                    help_text="The user to add (an id from /api/v1/users/); yourself when left out.")
    confirm_other_organization = serializers.BooleanField(
        default=False, help_text="Agents: add an end user of another organization than the requester's anyway "
                                 "(refused with a 400 on `user` otherwise).",
    )


class LinkInputSerializer(StrictInputMixin, serializers.Serializer):
    target = serializers.CharField(max_length=16,
                                   help_text="The number of the other ticket (INC0001234, PRB0001001...).")
    kind = inline_choice_field(LinkKind.choices)
