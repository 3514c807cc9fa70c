"""The one write path of tickets of every kind: create, update, transition, take and bulk actions.

A kind declares its rules in one place (core.kinds.Kind: which fields each role may write, which changes are
internal, its workflow and hooks); these functions do everything else the same way for every kind:
- refuse, by name, a field the caller may not set or that is read-only;
- check choices, text limits and references (ids become rows; an unknown id is an error on its field);
- lock the row (SELECT ... FOR UPDATE), compare the caller's `version`, ask `core.access.may(actor, "edit")`;
- apply the change, recompute the priority, and end with `core.services.commit` (version, journal, SLA);
- ask the kind for its notifications (`Kind.notify`), which go out after commit.
A kind adds its own rules through hooks (`clean`, `transition_errors`, `on_move`, `after_transition`, ...); it
cannot skip the journal, the version check or the SLA engine. Practice apps call these functions (incidents keep
their historic names in incidents.services as thin wrappers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction

from accounts.roles import Role, can, has_role, role_of
from core import access, clock, journal, kinds, limits
from core import services as core
from core.kinds import Kind
from core.models import Ticket, compute_priority, next_number
from core.services import FieldChange, display
from core.workflow import TransitionError

READ_ONLY_FIELDS = frozenset({"number", "priority", "opened_at", "updated_at", "resolved_at", "closed_at", "kind",
                              "active", "organization", "version"})


def writable_fields(kind: Kind, user: Any, *, creating: bool) -> frozenset[str]:
    """The fields `user` may set on a ticket of `kind`; None is the system (SLA escalations, auto-close)."""
    if user is None:
        return kind.agent_fields | kind.privileged_fields
    role = role_of(user)
    if role is None:
        return frozenset()
    if role == Role.END_USER:
        return kind.end_user_create_fields if creating else kind.end_user_update_fields
    if kind.privileged_permission and can(user, kind.privileged_permission):
        return kind.agent_fields | kind.privileged_fields
    return kind.agent_fields


def refuse_unwritable(kind: Kind, actor: Any, data: Mapping[str, Any], *, creating: bool) -> None:
    """Refuse by name every field of `data` that is read-only or that `actor` may not set."""
    allowed = writable_fields(kind, actor, creating=creating)
    errors = {}
    for name in data:
        if name in READ_ONLY_FIELDS and name != "version":
            errors[name] = ["This field is read-only."]
        elif name not in allowed:
            errors[name] = ["You may not set this field."]
    if errors:
        raise ValidationError(errors)


def model_field(kind: Kind, name: str) -> models.Field | None:
    """The model field `name` of the kind's model, None when there is none (a key the caller made up)."""
    try:
        found = kind.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def reference_model(kind: Kind, name: str) -> type[models.Model] | None:
    """The model a field of the kind points at (a foreign key), else None."""
    found = model_field(kind, name)
    if found is None or not found.many_to_one:
        return None
    return found.related_model  # type: ignore[return-value]


def choice_labels(choices: Iterable[tuple[Any, Any]]) -> str:
    """The labels of a choice list, comma-separated, for messages people read ("Awaiting caller, ...")."""
    return ", ".join(str(label) for _value, label in choices)


def validate_choices(kind: Kind, data: Mapping[str, Any]) -> None:
    """Refuse a value outside a choice field's choices (naming the labels) and a missing or too long title.
    The state is the workflow's to check."""
    errors = {}
    for name, value in data.items():
        found = model_field(kind, name)
        if name == "state" or found is None or not found.choices or value in (None, ""):
            continue
        if value not in [code for code, _label in found.flatchoices]:
            errors[name] = [f"“{value}” is not one of: {choice_labels(found.flatchoices)}."]
    if "title" in data and not str(data["title"] or "").strip():
        errors["title"] = ["A title is required."]
    if "title" in data and len(str(data["title"] or "")) > limits.TITLE_MAX_LENGTH:
        errors["title"] = [f"At most {limits.TITLE_MAX_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)


def resolve_references(kind: Kind, data: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ids into rows for the kind's reference fields (rows pass through, "" and None clear the field);
    an unknown id is an error on its field."""
    out = dict(data)
    errors = {}
    for name, value in data.items():
        model = reference_model(kind, name)
        if model is None:
            continue
        if value is None or value == "":
            out[name] = None
            continue
        if isinstance(value, model):
            continue
        try:
            out[name] = model._default_manager.get(pk=int(value))
        except (ValueError, TypeError, model.DoesNotExist):  # type: ignore[attr-defined]
            errors[name] = [f"No {model._meta.verbose_name} with id “{value}”."]
    if errors:
        raise ValidationError(errors)
    return out


def validate_people(team: Any, assignee: Any, requester: Any = None) -> None:
    """The assignee is an agent of the chosen team; the requester is active."""
    errors = {}
    if assignee is not None:
        if not has_role(assignee, Role.AGENT):
            errors["assignee"] = [f"{assignee.display_name} is not an agent."]
        elif team is None:
            errors["assignee"] = ["Choose the team before the assignee."]
        elif not assignee.teams.filter(pk=team.pk).exists():
            errors["assignee"] = [f"{assignee.display_name} is not a member of {team.name}."]
    if requester is not None and not requester.is_active:
        errors["requester"] = ["This user is inactive."]
    if errors:
        raise ValidationError(errors)


def field_change(kind: Kind, name: str, old: Any, new: Any) -> FieldChange:
    """The journal's record of one field's change: codes for choice fields (core.journal shows their labels), the
    other ticket itself for a reference to a ticket (its number in the text, never its title), names for the
    other references."""
    internal = name in kind.history_internal_fields
    if isinstance(old, Ticket) or isinstance(new, Ticket):
        return FieldChange(name, old.number if old else "", new.number if new else "", internal=internal,
                           old_ticket=old, new_ticket=new)
    if journal.is_choice_field(kind.key, name):
        return FieldChange(name, "" if old in (None, "") else str(old), "" if new in (None, "") else str(new),
                           internal=internal)
    return FieldChange(name, display(old), display(new), internal=internal)


def apply(kind: Kind, ticket: Ticket, data: Mapping[str, Any]) -> list[FieldChange]:
    """Set the fields of `data` that differ (texts stripped) and return their journal changes."""
    changes = []
    for name, value in data.items():
        found = model_field(kind, name)
        if isinstance(found, (models.CharField, models.TextField)):
            value = str(value or "").strip()
        old = getattr(ticket, name)
        if old == value:
            continue
        setattr(ticket, name, value)
        changes.append(field_change(kind, name, old, value))
    return changes


def lock(kind: Kind, ticket_or_id: Any) -> Any:
    """The kind's row, locked for this transaction (with its core.Ticket row)."""
    pk = getattr(ticket_or_id, "pk", ticket_or_id)
    model = kind.model
    rows = ("self",) if model is Ticket else ("self", "ticket_ptr")  # a kind kept on the core table alone
    return model._default_manager.select_for_update(of=rows).get(pk=pk)


@transaction.atomic
def create(kind: Kind, actor: Any, data: Mapping[str, Any], *, preset: Mapping[str, Any] | None = None,
           uploads: Iterable[Any] = ()) -> Any:
    """Raise a ticket of `kind`. End users raise their own; agents may raise one for any requester.

    `preset`: fields the caller's context sets rather than its input (the channel a ticket came in by), not
    subject to the role's writable fields. What a state change needs (`Kind.transition_fields`: a hold reason,
    a resolution, a permanent fix) is refused by name at creation: a ticket starts in its workflow's first
    state (an empty value is no value)."""
    data = {k: v for k, v in data.items() if v is not None or reference_model(kind, k) is not None}
    refuse_unwritable(kind, actor, data, creating=True)
    early = sorted(k for k in kind.transition_fields if data.get(k) not in (None, ""))
    if early:
        raise ValidationError({name: [f"Set with a change of state (.../transition/), not when raising a "
                                      f"{kind.label.lower()}."] for name in early})
    data = {k: v for k, v in data.items() if k not in kind.transition_fields}
    initial = kind.workflow.initial
    if "state" in data:
        raise ValidationError({"state": [
            f"A new {kind.label.lower()} starts as '{initial}'; change its state afterwards."]})
    validate_choices(kind, data)
    limits.check_texts(data)
    if "title" not in data:  # a title given empty is refused by validate_choices
        raise ValidationError({"title": ["A title is required."]})
    data = resolve_references(kind, data)
    data.setdefault("requester", actor)
    if data["requester"] is None:
        data["requester"] = actor
    kind.clean(None, actor, data)
    service = data.get("service")
    if service is not None and not service.active:
        raise ValidationError({"service": ["This service is retired."]})
    team = data.get("team") or kind.route_team(data)
    data["team"] = team
    # the system (no actor) may raise a ticket for someone who left: revoking a leaver's access is such a ticket
    validate_people(team, data.get("assignee"), data["requester"] if actor is not None else None)
    impact, urgency = int(data.pop("impact", None) or 3), int(data.pop("urgency", None) or 3)
    now = clock.now()
    fields = {**kind.create_defaults(actor, data), **data, **(preset or {})}
    for name in ("title", "description"):
        fields[name] = str(fields.get(name) or "").strip()
    ticket = kind.model(
        number=next_number(kind.key), kind=kind.key, state=initial, active=kind.workflow.is_open(initial),
        impact=impact, urgency=urgency, priority=compute_priority(impact, urgency),
        organization_id=data["requester"].organization_id, opened_at=now, updated_at=now, **fields,
    )
    for name, value in kind.derived(ticket).items():
        setattr(ticket, name, value)
    ticket.save(force_insert=True)
    changes = [FieldChange("state", "", initial)]
    if team:
        changes.append(FieldChange("team", "", team.name))
    if ticket.assignee_id:
        changes.append(FieldChange("assignee", "", display(ticket.assignee)))
    core.commit(ticket, actor, changes, at=now, created=True)
    for upload in uploads:
        core.add_attachment(ticket, actor, upload)
    kind.notify("created", ticket, actor)
    if ticket.assignee_id is None and team is not None:
        kind.notify("team", ticket, actor)
    return ticket


@transaction.atomic
def update(kind: Kind, ticket: Any, actor: Any, data: Mapping[str, Any], *,
           expected_version: int | None = None) -> Any:
    """Change fields (and the state, through the workflow). A stale `expected_version` changes nothing."""
    data = dict(data)
    refuse_unwritable(kind, actor, data, creating=False)
    limits.check_texts(data)
    ticket = lock(kind, ticket)
    core.check_version(ticket, expected_version)
    if not access.may(actor, "edit", ticket):
        label = kind.label.lower()
        if actor is not None and not has_role(actor, Role.AGENT) and ticket.requester_id != actor.pk:
            raise PermissionDenied(f"Only the requester can edit this {label}.")
        if access.is_final(ticket):
            raise ValidationError({"non_field_errors": [
                f"{ticket.number} is {kind.workflow.label(ticket.state).lower()}: it can no longer change."]})
        raise ValidationError({"non_field_errors": [f"This {label} is no longer open: reopen it or add a comment."]})
    validate_choices(kind, data)
    data = resolve_references(kind, data)
    target_state = data.pop("state", None)
    move_fields = {k: data.pop(k) for k in kind.transition_fields if k in data}

    team = data.get("team", ticket.team)
    assignee = data.get("assignee", ticket.assignee)
    if "team" in data and "assignee" not in data and assignee is not None and team is not None \
            and not assignee.teams.filter(pk=team.pk).exists():
        data["assignee"] = assignee = None  # moving to another team unassigns
    validate_people(team, assignee, data.get("requester"))
    kind.clean(ticket, actor, data)
    if data.get("service") is not None and not data["service"].active and data["service"] != ticket.service:
        raise ValidationError({"service": ["This service is retired."]})

    changes = apply(kind, ticket, data)
    changes += apply(kind, ticket, kind.derived(ticket))
    if "impact" in data or "urgency" in data:
        priority = compute_priority(ticket.impact, ticket.urgency)
        if priority != ticket.priority:
            changes.append(field_change(kind, "priority", ticket.priority, priority))
            ticket.priority = priority
    now = clock.now()
    if changes:
        core.commit(ticket, actor, changes, at=now)
        if any(c.field == "assignee" and c.new for c in changes):
            kind.notify("assigned", ticket, actor)
        if any(c.field == "team" for c in changes) and ticket.assignee_id is None and ticket.team_id:
            kind.notify("team", ticket, actor)
    if target_state is not None and target_state != ticket.state:
        ticket = move(kind, ticket, actor, target_state, move_fields)
    elif move_fields:
        extra = apply(kind, ticket, move_fields)
        extra += apply(kind, ticket, kind.derived(ticket))
        if extra:
            core.commit(ticket, actor, extra, at=now)
    return ticket


@transaction.atomic
def transition(kind: Kind, ticket: Any, actor: Any, target: str, *, expected_version: int | None = None,
               comment: str = "", fields: Mapping[str, Any] | None = None) -> Any:
    """Move the ticket to `target` if its workflow allows it and the target's needs (`fields`) are met; an
    optional public `comment` goes with it."""
    fields = dict(fields or {})
    limits.check_texts({**fields, "comment": comment})
    ticket = lock(kind, ticket)
    core.check_version(ticket, expected_version)
    ticket = move(kind, ticket, actor, target, fields)
    if comment.strip():
        entry = core.add_comment(ticket, actor, comment)
        # the requester's words go to the desk; the desk's go to the requester
        kind.notify("reply" if actor is not None and actor.pk == ticket.requester_id else "comment", ticket, actor,
                    entry.pk)
    return ticket


def move(kind: Kind, ticket: Any, actor: Any, target: str, fields: Mapping[str, Any] | None = None, *,
         system_note: str = "") -> Any:
    """A state change of a locked ticket: the workflow's and the actor's check, what the target state needs (the
    kind's `transition_errors`), the fields the move sets (`on_move`), the first response when the desk starts
    work, one commit, an optional system note, the notification, then the kind's `after_transition`."""
    fields = dict(fields or {})
    current = ticket.state
    core.check_move(ticket, actor, target)
    errors = kind.transition_errors(ticket, target, fields)
    if errors:
        raise TransitionError("The target state needs more information.", field_errors=errors)
    now = clock.now()
    changes = [core.apply_move(ticket, target, now)]
    changes += apply(kind, ticket, kind.on_move(ticket, current, target, fields))
    changes += apply(kind, ticket, kind.derived(ticket))
    if target == kind.workflow.start and ticket.responded_at is None and has_role(actor, Role.AGENT):
        ticket.responded_at = now  # the desk started work: the first response (not a requester's reply)
    core.commit(ticket, actor, changes, at=now)
    if system_note:
        core.add_comment(ticket, actor, system_note)
    kind.notify("state", ticket, actor)
    kind.after_transition(ticket, actor, current, target, fields)
    core.ticket_moved.send(sender=type(ticket), ticket=ticket, actor=actor, current=current, target=target)
    return ticket


@transaction.atomic
def take(kind: Kind, ticket: Any, agent: Any, *, expected_version: int | None = None) -> Any:
    """Assign the ticket to `agent` (keeping its team if they are in it, else their first team) and start work
    on a new one."""
    if not has_role(agent, Role.AGENT):
        raise ValidationError({"assignee": [f"Only agents can take {kind.label_plural.lower()}."]})
    ticket = lock(kind, ticket)
    core.check_version(ticket, expected_version)
    data: dict[str, Any] = {"assignee": agent}
    if ticket.team is None or not agent.teams.filter(pk=ticket.team_id).exists():
        team = agent.teams.order_by("name").first()
        if team is None:
            raise ValidationError({"assignee": ["You are not a member of any team."]})
        data["team"] = team
    if ticket.state == kind.workflow.initial and kind.workflow.start:
        data["state"] = kind.workflow.start
    return update(kind, ticket, agent, data)


@dataclass
class BulkResult:
    """What a bulk action did: the numbers it changed, why each other one was refused, and (for an action on a
    ticket's related tickets, such as a problem's open incidents) how many it left alone because the actor may
    not see them."""

    updated: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    out_of_sight: int = 0


def bulk(tickets: Iterable[Any], action: Callable[[Any], Any]) -> BulkResult:
    """Run `action` on each ticket in its own savepoint; a refusal is collected per ticket, not fatal."""
    result = BulkResult()
    for ticket in tickets:
        try:
            with transaction.atomic():
                action(ticket)
            result.updated.append(ticket.number)
        except (ValidationError, TransitionError) as exc:
            result.errors[ticket.number] = messages_of(exc)
    return result


def error_text(exc: ValidationError | TransitionError) -> str:
    """The messages of a refusal as one text, for a page's message."""
    return " ".join(messages_of(exc))


def messages_of(exc: ValidationError | TransitionError) -> list[str]:
    """The messages of a refusal, for people (a TransitionError's field_errors say what the target state needs)."""
    if isinstance(exc, TransitionError):
        return [message for field_messages in exc.field_errors.values() for message in field_messages]
    return list(exc.messages)


def errors_by_field(exc: ValidationError | TransitionError) -> dict[str, list[str]]:
    """A refusal's messages by field name ("__all__" for those of no field), to put back on a form."""
    if isinstance(exc, TransitionError):
        return dict(exc.field_errors)
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}


def comment(ticket: Ticket, actor: Any, body: str, *, internal: bool = False, time_spent: int | None = None) -> Any:
    """A public comment or (the desk) a work note on a ticket of any kind, with the minutes spent (optional), as
    one action of its kind."""
    return kinds.of(ticket).action(add_comment)(ticket, actor, body, internal=internal, time_spent=time_spent)


@transaction.atomic
def add_comment(ticket: Ticket, actor: Any, body: str, *, internal: bool = False,
                time_spent: int | None = None) -> Any:
    """A public comment or (the desk) a work note (with the minutes the desk spent, `time_spent`): who may write
    it (core.access), the journal entry, the desk's
    first public reply as the first response, then the kind's `after_comment`. Callers go through `comment`
    (or a kind's own service wrapping this one in its action)."""
    kind = kinds.of(ticket)
    if internal and not access.may(actor, "work_note", ticket):
        raise ValidationError({"internal": [access.REFUSALS["work_note"]]})
    ticket = lock(kind, ticket)
    if not access.may(actor, "comment", ticket):
        raise ValidationError({"body": [
            f"This {kind.label.lower()} is closed: raise a new one if the problem is back."]})
    entry = core.add_comment(ticket, actor, body, internal=internal, time_spent=time_spent)
    if entry.internal:  # asked for, or a kind end users never see (core.services.internal_only)
        return entry
    if actor is not None and actor.pk != ticket.requester_id and has_role(actor, Role.AGENT):
        core.record_first_response(ticket, entry.created_at)  # the desk's first public reply
    kind.after_comment(ticket, actor, entry)
    return entry
