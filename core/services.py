"""Writes shared by every ticket kind: journal entries, comments, attachments, watchers, links.

Each function runs in a transaction and writes its journal entry there, so the browser, the API and Celery
leave the same trail. Practice-specific services (incidents.services...) call these, and end every change of a
ticket's fields or state with `commit` (version, journal, SLA through the `ticket_changed` signal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.dispatch import Signal

from accounts.roles import Role, has_role, role_of
from core import clock, count_cache, kept_uploads, kinds, limits
from core.models import (
    MAX_TIME_SPENT,
    Attachment,
    JournalEntry,
    JournalKind,
    LinkKind,
    Ticket,
    TicketLink,
    Watcher,
    forget_watched,
)
from core.workflow import TransitionError


class ConflictError(Exception):
    """The caller's copy is stale: the ticket changed since it was read (its version moved on)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"This ticket was changed by someone else (it is now at version {current_version}). "
            "Reload it and apply your change again."
        )
        self.current_version = current_version


@dataclass(frozen=True)
class FieldChange:
    """One field's change for the journal. Choice fields carry their codes (core.journal renders the labels); a
    change that points at another ticket carries that ticket (`old_ticket` / `new_ticket`) and only its number
    in the text: its title is rendered per viewer (core.references), never stored."""

    field: str
    old: str
    new: str
    internal: bool = False
    old_ticket: Ticket | None = None
    new_ticket: Ticket | None = None


def display(value: Any) -> str:
    """The text stored in the journal for a field value: a name for a reference to a person, team, service or
    category, the value itself otherwise (a choice's code: core.journal renders its label). Never use it for a
    ticket: record the ticket itself (FieldChange.old_ticket / new_ticket)."""
    if value is None or value == "":
        return ""
    if isinstance(value, models.Model):
        return getattr(value, "display_name", None) or str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):  # an instant: ISO 8601 in UTC, shown in each viewer's time zone (core.journal)
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return str(value)


def check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != ticket.version:
        raise ConflictError(ticket.version)


def record_changes(ticket: Ticket, actor, changes: Iterable[FieldChange], at=None) -> list[JournalEntry]:
    """One journal entry per changed field, with old and new values, actor and time."""
    at = at or clock.now()
    entries = [
        JournalEntry(
            ticket=ticket, kind=JournalKind.FIELD_CHANGE, field=c.field, old_value=c.old, new_value=c.new,
            old_ticket=c.old_ticket, new_ticket=c.new_ticket, internal=c.internal, actor=actor, created_at=at,
        )
        for c in changes
    ]
    return JournalEntry.objects.bulk_create(entries)


# Sent inside the write's transaction after every change of a ticket's fields or state (and when it is raised),
# with `ticket` (locked) and `at`: the SLA engine keeps the ticket's state history and timers in step with it.
ticket_changed = Signal()
# Sent inside the write's transaction after a ticket moved from one state to another (core.writes.move), with
# `ticket`, `actor`, `current` and `target`: another practice follows the tickets it cares about (a problem
# hears that one of its incidents was reopened) without the kind importing it.
ticket_moved = Signal()


def commit(ticket: Ticket, actor, changes: Iterable[FieldChange], *, at=None, created: bool = False) -> None:
    """The commit step every write of a ticket's fields or state ends with, whatever its kind (inside the
    write's transaction, the ticket row locked): bump the version and stamp `updated_at` (a ticket just created
    keeps version 1), save the row, journal each change, and send `ticket_changed` (the SLA engine listens).
    Notifications are the caller's, queued after commit (core.tasks.enqueue_on_commit)."""
    at = at or clock.now()
    if not created:
        ticket.version += 1
        ticket.updated_at = at
        ticket.save()
    record_changes(ticket, actor, changes, at=at)
    ticket_changed.send(sender=type(ticket), ticket=ticket, at=at)


def record_first_response(ticket: Ticket, at) -> None:
    """The desk's first response (its first public reply): stamped once, it stops the response clocks."""
    if ticket.responded_at is not None:
        return
    ticket.responded_at = at
    Ticket.objects.filter(pk=ticket.pk).update(responded_at=at)
    count_cache.tickets_changed()  # an update() sends no signal
    ticket_changed.send(sender=type(ticket), ticket=ticket, at=at)


def check_move(ticket: Ticket, actor, target: str) -> None:
    """Refuse (TransitionError, on `state`) a move the ticket kind's workflow does not allow, or one the actor
    may not make: an end user makes only the requester's moves (core.workflow.Workflow.requester_moves), and
    only on a ticket they raised. `actor` None is the system."""
    kind = kinds.of(ticket)
    workflow = kind.workflow
    current = ticket.state
    workflow.check(current, target)
    if actor is None or role_of(actor) != Role.END_USER:
        return
    is_requester = ticket.requester_id == actor.pk
    if is_requester and (current, target) in workflow.requester_moves:
        return
    allowed = sorted(t for (s, t) in workflow.requester_moves if s == current) if is_requester else []
    raise TransitionError(
        f"You cannot move this {kind.label.lower()} from {workflow.label(current)} to {workflow.label(target)}. "
        f"Allowed for you: {workflow.labels_of(allowed) if allowed else 'none'}."
    )


def apply_move(ticket: Ticket, target: str, at) -> FieldChange:
    """Set the state and what its meaning in the kind's workflow implies: `active` (open states), `resolved_at`
    (stamped when the ticket becomes resolved, cleared when it is reopened), `closed_at` (final states). Returns
    the journal's change; the caller commits (`commit`) after its own fields."""
    workflow = kinds.of(ticket).workflow
    current = ticket.state
    ticket.state = target
    ticket.active = workflow.is_open(target)
    if workflow.is_resolved(target) and not workflow.is_resolved(current):
        ticket.resolved_at = at
    elif workflow.is_resolved(current) and not workflow.is_resolved(target):
        ticket.resolved_at = None  # reopened
    if target in workflow.final_states:
        ticket.closed_at = at
    return FieldChange("state", str(current), str(target))


def touch(ticket: Ticket, at=None) -> None:
    """Mark the ticket updated (comments and attachments move `updated_at`, not `version`)."""
    at = at or clock.now()
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=at)
    count_cache.tickets_changed()  # an update() sends no signal
    ticket.updated_at = at


def internal_only(ticket: Ticket) -> bool:
    """Whether everything written on `ticket` stays in the desk: its kind is one end users never see as such (a
    problem; a knowledge article, which end users read only through its published versions). Its comments are
    work notes and its files internal, whatever the caller asked for."""
    kind = kinds.find(ticket.kind)
    return kind is not None and not kind.end_users_see


def check_time_spent(actor, minutes: int | None) -> int | None:
    """The minutes logged with a comment (None: nothing logged): a whole number from 0 to 1440, logged by the
    desk only (ValidationError on `time_spent`)."""
    if minutes is None:
        return None
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_TIME_SPENT:
        raise ValidationError({"time_spent": [f"Give the time spent in whole minutes, from 0 to {MAX_TIME_SPENT}."]})
    if actor is not None and not has_role(actor, Role.AGENT):
        raise ValidationError({"time_spent": ["Only the service desk logs time spent."]})
    return minutes


@transaction.atomic
def add_comment(ticket: Ticket, actor, body: str, *, internal: bool = False,
                time_spent: int | None = None) -> JournalEntry:
    """A public comment, or an internal work note when `internal` (always, on a kind end users never see), with
    the minutes the desk spent (`time_spent`, optional; check_time_spent). Concurrent comments are all kept."""
    internal = internal or internal_only(ticket)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["A comment cannot be empty."]})
    limits.check_texts({"body": body})
    time_spent = check_time_spent(actor, time_spent)
    now = clock.now()
    entry = JournalEntry.objects.create(
        ticket=ticket, kind=JournalKind.WORK_NOTE if internal else JournalKind.COMMENT, internal=internal,
        body=body, actor=actor, created_at=now, time_spent=time_spent,
    )
    touch(ticket, now)
    return entry


def validate_upload(upload: UploadedFile) -> None:
    """Refuse (on `file`) an empty file or one larger than ATTACHMENT_MAX_BYTES, naming the limit."""
    limit, size = limits.attachment_max_bytes(), upload.size or 0
    if size > limit:
        raise ValidationError({"file": [
            f"“{upload.name}” is {limits.format_size(size)}; attachments may be at most "
            f"{limits.format_size(limit)} each."
        ]})
    if size == 0:
        raise ValidationError({"file": [f"“{upload.name}” is empty."]})


def validate_uploads_total(uploads: Iterable[UploadedFile]) -> None:
    """Refuse (on `file`) files that together exceed ATTACHMENTS_MAX_TOTAL_BYTES, naming the limit."""
    total, limit = sum(upload.size or 0 for upload in uploads), limits.attachments_total_max_bytes()
    if total > limit:
        raise ValidationError({"file": [
            f"The files come to {limits.format_size(total)} together; at most {limits.format_size(limit)} "
            "can be attached at once."
        ]})


@transaction.atomic
def add_attachment(
    ticket: Ticket, actor, upload: UploadedFile, *, internal: bool = False, journal_entry: JournalEntry | None = None
) -> Attachment:
    """Store a file on the ticket (size-checked; internal on a kind end users never see). The file is only ever
    served by the access-checked view."""
    internal = internal or internal_only(ticket)
    validate_upload(upload)
    name = (upload.name or "attachment").replace("\\", "/").rsplit("/", 1)[-1][:255] or "attachment"
    attachment = Attachment(
        ticket=ticket, journal_entry=journal_entry, filename=name,
        content_type=(getattr(upload, "content_type", None) or "application/octet-stream")[:150],
        size=upload.size or 0, internal=internal, uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    transaction.on_commit(lambda: kept_uploads.release([upload]))  # a file kept from a form error is used up
    record_changes(ticket, actor, [FieldChange("attachment", "", name, internal=internal)])
    touch(ticket)
    return attachment


def watcher_refusal(
    ticket: Ticket, user, actor, *, confirm_other_organization: bool = False
) -> ValidationError | None:
    """Why `actor` may not make `user` a watcher of `ticket` (None when they may). THE watcher rule.

    A watcher reads the ticket, so: only active people; an end user adds only themselves; and an end user outside
    the ticket's organization (the requester's) is refused, unless a member of the desk confirms it explicitly.
    Desk staff (agents and above) belong to no customer and may always watch.
    """
    if not user.is_active:
        return ValidationError(f"{user.display_name} is not an active user.", code="inactive")
    if not has_role(actor, Role.AGENT) and user.pk != actor.pk:
        return ValidationError("You can only add yourself as a watcher.", code="not_yourself")
    if not has_role(user, Role.AGENT) and not kinds.of(ticket).end_users_see:
        return ValidationError(f"{user.display_name} cannot watch a {kinds.of(ticket).label.lower()}: only the "
                               "service desk sees them.", code="desk_only")
    if has_role(user, Role.AGENT) or user.organization_id == ticket.organization_id:
        return None
    if confirm_other_organization and has_role(actor, Role.AGENT):
        return None
    theirs = user.organization.name if user.organization else "no organization"
    ours = ticket.organization.name if ticket.organization else "no organization"
    return ValidationError(
        f"{user.display_name} belongs to {theirs}, not to {ours} (the requester's): as a watcher they would read "
        "this ticket. Confirm that they should, or choose someone else.", code="other_organization",
    )


@transaction.atomic
def add_watcher(ticket: Ticket, user, actor, *, confirm_other_organization: bool = False) -> bool:
    """Add `user` to the ticket's watchers if `watcher_refusal` allows it; False if they already watch it.

    Raises ValidationError on the `user` field (code "other_organization" when a confirmation would allow it).
    """
    if Watcher.objects.filter(ticket=ticket, user=user).exists():
        return False
    refusal = watcher_refusal(ticket, user, actor, confirm_other_organization=confirm_other_organization)
    if refusal is not None:
        raise ValidationError({"user": [refusal]})
    _watcher, created = Watcher.objects.get_or_create(ticket=ticket, user=user)
    if created:
        record_changes(ticket, actor, [FieldChange("watchers", "", display(user), internal=True)])
        forget_watched(user, actor)
    return created


@transaction.atomic
def remove_watcher(ticket: Ticket, user, actor) -> bool:
    deleted, _ = Watcher.objects.filter(ticket=ticket, user=user).delete()
    if deleted:
        record_changes(ticket, actor, [FieldChange("watchers", display(user), "", internal=True)])
        forget_watched(user, actor)
    return bool(deleted)


@transaction.atomic
def link_tickets(source: Ticket, target: Ticket, kind: str, actor) -> TicketLink:
    """Link two tickets; journals it on both (with the other ticket as a reference, its number in the text and
    never its title). Refuses a link to itself and unknown kinds."""
    if kind not in LinkKind.values:
        raise ValidationError({"kind": [f"Unknown link kind “{kind}”. Known: {', '.join(LinkKind.labels)}."]})
    if source.pk == target.pk:
        raise ValidationError({"target": ["A ticket cannot be linked to itself."]})
    link, created = TicketLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"created_by": actor}
    )
    forget_links(source, target)
    if created:
        label = LinkKind(kind).label.lower()
        record_changes(source, actor, [FieldChange("link", "", f"{label} {target.number}", internal=True,
                                                   new_ticket=target)])
        record_changes(target, actor, [FieldChange("link", "", f"{source.number} {label} this", internal=True,
                                                   new_ticket=source)])
    return link


@transaction.atomic
def unlink_tickets(link: TicketLink, actor) -> None:
    """Remove a link; journals it on both tickets (references, as link_tickets)."""
    label = LinkKind(link.kind).label.lower()
    record_changes(link.source, actor, [FieldChange("link", f"{label} {link.target.number}", "", internal=True,
                                                    old_ticket=link.target)])
    record_changes(link.target, actor, [FieldChange("link", f"{link.source.number} {label} this", "", internal=True,
                                                    old_ticket=link.source)])
    link.delete()
    forget_links(link.source, link.target)


def forget_links(*tickets: Ticket) -> None:
    """These ticket objects read their links again (core.references.links_of) after one was added or removed."""
    for ticket in tickets:
        ticket.__dict__.pop("_links_both_ways", None)
