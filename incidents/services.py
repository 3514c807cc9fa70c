"""Every write on incidents: create, update, transition, comment, take, bulk actions, auto-close.

Each function runs in one transaction, locks the incident row (SELECT ... FOR UPDATE), checks the caller's
right to touch each field and the transition table, writes the change and its journal entries, bumps
`version`, and enqueues notifications with `transaction.on_commit`. The browser, the API and Celery all come
through here, so they leave the same trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from accounts.models import Team, User
from accounts.roles import Role, can, has_role, role_of
from catalog.models import Service
from core import access, clock, limits
from core import services as core
from core.models import Impact, TicketKind, Urgency, compute_priority, next_number
from core.services import ConflictError, FieldChange, display
from core.workflow import TransitionError
from incidents import notifications
from incidents.choices import (
    OPEN_STATES,
    WORKFLOW,
    Channel,
    HoldReason,
    ResolutionCode,
    State,
)
from incidents.models import AssignmentRule, Category, Incident

__all__ = [
    "BulkResult",
    "ConflictError",
    "TransitionError",
    "add_comment",
    "auto_close_resolved",
    "bulk_assign",
    "bulk_transition",
    "create_incident",
    "take",
    "transition",
    "update_incident",
]

# Fields and who may write them. End users describe their problem; agents triage and work it.
END_USER_CREATE_FIELDS = {"title", "description", "urgency", "service", "category", "subcategory"}
END_USER_UPDATE_FIELDS = {"title", "description", "urgency"}
AGENT_FIELDS = {
    "title", "description", "impact", "urgency", "category", "subcategory", "service", "team", "assignee",
    "requester", "channel", "parent", "hold_reason", "resolution_code", "resolution_notes", "state",
}
MANAGER_FIELDS = AGENT_FIELDS | {"major"}
READ_ONLY_FIELDS = {"number", "priority", "opened_at", "updated_at", "resolved_at", "closed_at", "kind", "active"}
# Field changes that end users do not see in the history.
INTERNAL_FIELDS = {"impact", "priority", "category", "subcategory", "channel", "major", "parent", "hold_reason"}
REFERENCE_FIELDS = {
    "category": Category, "subcategory": Category, "service": Service, "team": Team, "assignee": User,
    "requester": User, "parent": Incident,
}


def writable_fields(user, *, creating: bool) -> set[str]:
    """The fields `user` may set; None is the system (SLA escalations, auto-close), which may set any."""
    if user is None:
        return MANAGER_FIELDS
    role = role_of(user)
    if role is None:
        return set()
    if role == Role.END_USER:
        return END_USER_CREATE_FIELDS if creating else END_USER_UPDATE_FIELDS
    if can(user, "incidents.flag_major"):
        return MANAGER_FIELDS
    return AGENT_FIELDS


def _refuse_unwritable(actor, data: Mapping[str, Any], *, creating: bool) -> None:
    allowed = writable_fields(actor, creating=creating)
    errors = {}
    for name in data:
        if name in READ_ONLY_FIELDS:
            errors[name] = ["This field is read-only."]
        elif name not in allowed:
            errors[name] = ["You may not set this field."]
    if errors:
        raise ValidationError(errors)


def _resolve_refs(data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids into objects for reference fields (objects pass through); unknown ids are field errors."""
    out = dict(data)
    errors = {}
    for name, model in REFERENCE_FIELDS.items():
        if name not in out or out[name] is None or out[name] == "":
            if name in out:
                out[name] = None
            continue
        value = out[name]
        if isinstance(value, model):
            continue
        try:
            out[name] = model.objects.get(pk=int(value))
        except (ValueError, TypeError, model.DoesNotExist):
            errors[name] = [f"No {model._meta.verbose_name} with id “{value}”."]
    if errors:
        raise ValidationError(errors)
    return out


def choice_labels(choices: type[models.Choices]) -> str:
    """The labels of a choice list, comma-separated, for messages people read ("Awaiting caller, ...")."""
    return ", ".join(str(label) for label in choices.labels)


def _validate_choices(data: Mapping[str, Any]) -> None:
    checks: dict[str, type[models.Choices]] = {
        "impact": Impact, "urgency": Urgency, "channel": Channel, "hold_reason": HoldReason,
        "resolution_code": ResolutionCode,
    }
    errors = {}
    for name, choices in checks.items():
        if name in data and data[name] not in (None, "") and data[name] not in choices.values:
            errors[name] = [f"“{data[name]}” is not one of: {choice_labels(choices)}."]
    if "title" in data and not str(data["title"] or "").strip():
        errors["title"] = ["A title is required."]
    if "title" in data and len(str(data["title"] or "")) > 200:
        errors["title"] = ["At most 200 characters."]
    if errors:
        raise ValidationError(errors)


def _validate_people(team: Team | None, assignee: User | None, requester: User | None = None) -> None:
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


def _validate_categories(category: Category | None, subcategory: Category | None) -> None:
    errors = {}
    if category is not None and category.parent_id is not None:
        errors["category"] = ["Choose a top-level category here (a subcategory goes in subcategory)."]
    if subcategory is not None and (category is None or subcategory.parent_id != category.pk):
        errors["subcategory"] = ["The subcategory must belong to the chosen category."]
    if errors:
        raise ValidationError(errors)


def route_team(category: Category | None, service: Service | None) -> Team | None:
    """The team for a new incident: the first active assignment rule that matches, else the service's support team."""
    for rule in AssignmentRule.objects.filter(active=True).select_related("team"):
        if rule.category_id and (category is None or rule.category_id != category.pk):
            continue
        if rule.service_id and (service is None or rule.service_id != service.pk):
            continue
        return rule.team
    if service is not None and service.support_team_id:
        return service.support_team
    return None


def _notify(event: str, incident: Incident, actor: User | None, entry_id: int | None = None) -> None:
    """E-mails after commit, one per recipient per action (see incidents.notifications); never to the actor."""
    notifications.notify(event, incident, actor, entry_id)


@notifications.action
@transaction.atomic
def create_incident(actor: User, data: Mapping[str, Any], *, channel: str | None = None, uploads=()) -> Incident:
    """Raise an incident. End users raise their own; agents may raise one for any requester."""
    data = {k: v for k, v in data.items() if v is not None or k in REFERENCE_FIELDS}
    _refuse_unwritable(actor, data, creating=True)
    if "state" in data:
        raise ValidationError({"state": ["A new incident starts as 'new'; change its state afterwards."]})
    _validate_choices(data)
    limits.check_texts(data)
    if not str(data.get("title", "")).strip():
        raise ValidationError({"title": ["A title is required."]})
    data = _resolve_refs(data)
    requester = data.get("requester") or actor
    category, subcategory = data.get("category"), data.get("subcategory")
    _validate_categories(category, subcategory)
    service = data.get("service")
    if service is not None and not service.active:
        raise ValidationError({"service": ["This service is retired."]})
    team = data.get("team") or route_team(category, service)
    assignee = data.get("assignee")
    _validate_people(team, assignee, requester)
    impact = int(data.get("impact") or 3)
    urgency = int(data.get("urgency") or 3)
    now = clock.now()
    default_channel = Channel.PORTAL if role_of(actor) == Role.END_USER else Channel.PHONE
    incident = Incident.objects.create(
        number=next_number(TicketKind.INCIDENT), kind=TicketKind.INCIDENT,
        title=str(data["title"]).strip(), description=str(data.get("description") or "").strip(),
        state=State.NEW, active=True, impact=impact, urgency=urgency, priority=compute_priority(impact, urgency),
        requester=requester, organization_id=requester.organization_id, team=team, assignee=assignee,
        service=service, category=category, subcategory=subcategory, opened_at=now, updated_at=now,
        channel=channel or data.get("channel") or default_channel,
        parent=data.get("parent"), major=bool(data.get("major", False)),
    )
    changes = [FieldChange("state", "", State.NEW)]
    if team:
        changes.append(FieldChange("team", "", team.name))
    if assignee:
        changes.append(FieldChange("assignee", "", assignee.display_name))
    core.commit(incident, actor, changes, at=now, created=True)
    for upload in uploads:
        core.add_attachment(incident, actor, upload)
    _notify("created", incident, actor)  # the requester's acknowledgement
    if assignee is None and team is not None:
        _notify("team", incident, actor)
    return incident


def _lock(incident_or_id) -> Incident:
    pk = getattr(incident_or_id, "pk", incident_or_id)
    return Incident.objects.select_for_update(of=("self", "ticket_ptr")).get(pk=pk)


@notifications.action
@transaction.atomic
def update_incident(
    incident: Incident | int, actor: User, data: Mapping[str, Any], *, expected_version: int | None = None
) -> Incident:
    """Change fields (and the state, through the transition table). A stale `expected_version` changes nothing."""
    data = dict(data)
    _refuse_unwritable(actor, data, creating=False)
    limits.check_texts(data)
    incident = _lock(incident)
    core.check_version(incident, expected_version)
    if not access.may(actor, "edit", incident):
        if actor is not None and not has_role(actor, Role.AGENT) and incident.requester_id != actor.pk:
            raise PermissionDenied("Only the requester can edit this incident.")
        if access.is_final(incident):
            raise ValidationError({"non_field_errors": [
                f"{incident.number} is {WORKFLOW.label(incident.state).lower()}: it can no longer change."]})
        raise ValidationError({"non_field_errors": ["This incident is no longer open: reopen it or add a comment."]})
    _validate_choices(data)
    data = _resolve_refs(data)
    target_state = data.pop("state", None)
    transition_fields = {k: data.pop(k) for k in ("hold_reason", "resolution_code", "resolution_notes") if k in data}

    team = data.get("team", incident.team)
    assignee = data.get("assignee", incident.assignee)
    if "team" in data and "assignee" not in data and assignee is not None and team is not None \
            and not assignee.teams.filter(pk=team.pk).exists():
        data["assignee"] = assignee = None  # moving to another team unassigns
    _validate_people(team, assignee, data.get("requester"))
    if "category" in data or "subcategory" in data:
        category = data.get("category", incident.category)
        subcategory = data.get("subcategory", incident.subcategory if "category" not in data else None)
        if "category" in data and "subcategory" not in data and incident.subcategory_id:
            data["subcategory"] = subcategory = (
                incident.subcategory if subcategory and subcategory.parent_id == getattr(category, "pk", None)
                else None
            )
        _validate_categories(category, subcategory)
    if data.get("parent") is not None and data["parent"].pk == incident.pk:
        raise ValidationError({"parent": ["An incident cannot be its own parent."]})
    if data.get("service") is not None and not data["service"].active and data["service"] != incident.service:
        raise ValidationError({"service": ["This service is retired."]})

    changes = _apply(incident, data)
    if "impact" in data or "urgency" in data:
        priority = compute_priority(incident.impact, incident.urgency)
        if priority != incident.priority:
            changes.append(_change(incident, "priority", incident.priority, priority))
            incident.priority = priority
    now = clock.now()
    if changes:
        core.commit(incident, actor, changes, at=now)
        if any(c.field == "assignee" and c.new for c in changes):
            _notify("assigned", incident, actor)
        if any(c.field == "team" for c in changes) and incident.assignee_id is None and incident.team_id:
            _notify("team", incident, actor)
    if target_state is not None and target_state != incident.state:
        incident = _transition_locked(incident, actor, target_state, **transition_fields)
    elif transition_fields:
        extra = _apply(incident, transition_fields)
        if extra:
            core.commit(incident, actor, extra, at=now)
    return incident


def _apply(incident: Incident, data: Mapping[str, Any]) -> list[FieldChange]:
    changes = []
    for name, value in data.items():
        if name in ("title", "description", "resolution_notes", "hold_reason", "resolution_code", "channel"):
            value = str(value or "").strip() if name != "channel" else value
        old = getattr(incident, name)
        if old == value:
            continue
        setattr(incident, name, value)
        changes.append(_change(incident, name, old, value))
    return changes


def _change(incident: Incident, name: str, old: Any, new: Any) -> FieldChange:
    """The journal's record of one field's change: codes for choice fields (core.journal shows their labels,
    see CHOICE_FIELDS), the incident itself for the parent (its number in the text, never its title), names
    for the other references."""
    internal = name in INTERNAL_FIELDS
    if name == "parent":
        return FieldChange(name, old.number if old else "", new.number if new else "", internal=internal,
                           old_ticket=old, new_ticket=new)
    if name in CHOICE_FIELDS:
        return FieldChange(name, "" if old in (None, "") else str(old), "" if new in (None, "") else str(new),
                           internal=internal)
    return FieldChange(name, display(old), display(new), internal=internal)


# Fields whose journal entries keep the code; their labels are registered with core.journal (incidents.apps).
CHOICE_FIELDS = frozenset({"state", "hold_reason", "resolution_code", "channel", "impact", "urgency", "priority"})


@notifications.action
@transaction.atomic
def transition(
    incident: Incident | int, actor: User | None, target: str, *, expected_version: int | None = None,
    hold_reason: str = "", resolution_code: str = "", resolution_notes: str = "", comment: str = "",
) -> Incident:
    """Move the incident to `target` if the transition table allows it and the target's needs are met."""
    limits.check_texts({"resolution_notes": resolution_notes, "comment": comment})
    incident = _lock(incident)
    core.check_version(incident, expected_version)
    incident = _transition_locked(
        incident, actor, target, hold_reason=hold_reason, resolution_code=resolution_code,
        resolution_notes=resolution_notes,
    )
    if comment.strip():
        entry = core.add_comment(incident, actor, comment)
        # the requester's words go to the desk; the desk's go to the requester
        _notify("reply" if actor is not None and actor.pk == incident.requester_id else "comment", incident, actor,
                entry.pk)
    return incident


def _transition_locked(
    incident: Incident, actor: User | None, target: str, *, hold_reason: str = "", resolution_code: str = "",
    resolution_notes: str = "", system_note: str = "",
) -> Incident:
    current = incident.state
    core.check_move(incident, actor, target)
    errors: dict[str, list[str]] = {}
    if target == State.ON_HOLD:
        hold_reason = hold_reason or incident.hold_reason
        if hold_reason not in HoldReason.values:
            errors["hold_reason"] = [f"Putting an incident on hold needs a reason: {choice_labels(HoldReason)}."]
    if target == State.RESOLVED:
        if resolution_code not in ResolutionCode.values:
            errors["resolution_code"] = [
                f"Resolving needs a resolution code: {choice_labels(ResolutionCode)}."
            ]
        if not resolution_notes.strip():
            errors["resolution_notes"] = ["Resolving needs resolution notes."]
    if errors:
        raise TransitionError("The target state needs more information.", field_errors=errors)

    now = clock.now()
    changes = [core.apply_move(incident, target, now)]
    if target == State.ON_HOLD:
        changes += _apply(incident, {"hold_reason": hold_reason})
    elif incident.hold_reason:
        changes += _apply(incident, {"hold_reason": ""})
    if target == State.RESOLVED:
        changes += _apply(incident, {"resolution_code": resolution_code, "resolution_notes": resolution_notes})
    if current == State.RESOLVED and target == State.IN_PROGRESS:  # reopened
        changes += _apply(incident, {"resolution_code": "", "resolution_notes": ""})
    if target == State.IN_PROGRESS and incident.responded_at is None and has_role(actor, Role.AGENT):
        incident.responded_at = now  # the desk started work: the first response (not a caller's reply)
    core.commit(incident, actor, changes, at=now)
    if system_note:
        core.add_comment(incident, actor, system_note)
    _notify("state", incident, actor)
    if target == State.RESOLVED:
        _resolve_children(incident, actor, resolution_notes)
    return incident


def _resolve_children(parent: Incident, actor: User | None, notes: str) -> None:
    """Resolving a parent resolves its open children, each with a comment pointing at the parent."""
    for child_id in parent.children.filter(active=True).values_list("pk", flat=True):
        child = _lock(child_id)
        if child.state not in OPEN_STATES:
            continue
        _transition_locked(
            child, actor, State.RESOLVED, resolution_code=ResolutionCode.RESOLVED_BY_PARENT,
            resolution_notes=notes or f"Resolved with parent incident {parent.number}.",
            system_note=f"Resolved together with its parent incident {parent.number}.",
        )


@notifications.action
@transaction.atomic
def add_comment(incident: Incident, actor: User, body: str, *, internal: bool = False):
    """A public comment or (agents only) a work note. A requester's reply reopens a resolved incident and
    takes an incident awaiting the caller off hold; the other side is notified."""
    if internal and not access.may(actor, "work_note", incident):
        raise ValidationError({"internal": ["Only agents can add work notes."]})
    incident = _lock(incident)
    if not access.may(actor, "comment", incident):
        raise ValidationError({"body": ["This incident is closed: raise a new one if the problem is back."]})
    entry = core.add_comment(incident, actor, body, internal=internal)
    if internal:
        return entry
    if actor.pk != incident.requester_id and has_role(actor, Role.AGENT):
        core.record_first_response(incident, entry.created_at)  # the desk's first public reply
    if actor.pk == incident.requester_id:
        if incident.state == State.RESOLVED:
            _transition_locked(incident, actor, State.IN_PROGRESS)
        elif incident.state == State.ON_HOLD and incident.hold_reason == HoldReason.AWAITING_CALLER:
            _transition_locked(incident, None, State.IN_PROGRESS)
        _notify("reply", incident, actor, entry.pk)
    else:
        _notify("comment", incident, actor, entry.pk)
    return entry


@notifications.action
@transaction.atomic
def take(incident: Incident | int, agent: User, *, expected_version: int | None = None) -> Incident:
    """Assign the incident to `agent` (keeping its team if they are in it) and start work on a new one."""
    if not has_role(agent, Role.AGENT):
        raise ValidationError({"assignee": ["Only agents can take incidents."]})
    incident = _lock(incident)
    core.check_version(incident, expected_version)
    data: dict[str, Any] = {"assignee": agent}
    if incident.team is None or not agent.teams.filter(pk=incident.team_id).exists():
        team = agent.teams.order_by("name").first()
        if team is None:
            raise ValidationError({"assignee": ["You are not a member of any team."]})
        data["team"] = team
    if incident.state == State.NEW:
        data["state"] = State.IN_PROGRESS
    return update_incident(incident, agent, data)


@dataclass
class BulkResult:
    updated: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)


def _bulk(incidents: Iterable[Incident], action) -> BulkResult:
    result = BulkResult()
    for incident in incidents:
        try:
            with transaction.atomic():
                action(incident)
            result.updated.append(incident.number)
        except (ValidationError, TransitionError) as exc:
            # a TransitionError's field_errors say what the target state needs ("resolution_code": [...])
            messages = exc.messages if isinstance(exc, ValidationError) else [
                message for field_messages in exc.field_errors.values() for message in field_messages
            ]
            result.errors[incident.number] = messages
    return result


@notifications.action
def bulk_assign(incidents: Iterable[Incident], actor: User, *, team: Team | None, assignee: User | None) -> BulkResult:
    """Assign many incidents (each through update_incident); per-incident errors are collected, not fatal."""
    data: dict[str, Any] = {}
    if team is not None:
        data["team"] = team
    if assignee is not None:
        data["assignee"] = assignee
    if not data:
        raise ValidationError({"team": ["Choose a team or an assignee."]})
    return _bulk(incidents, lambda i: update_incident(i, actor, data))


@notifications.action
def bulk_transition(incidents: Iterable[Incident], actor: User, target: str, **fields) -> BulkResult:
    return _bulk(incidents, lambda i: transition(i, actor, target, **fields))


def auto_close_resolved(now=None, days: int | None = None) -> list[str]:
    """Close incidents resolved more than `days` ago (INCIDENT_AUTO_CLOSE_DAYS). Safe to run twice."""
    now = now or clock.now()
    days = settings.INCIDENT_AUTO_CLOSE_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    closed = []
    ids = list(
        Incident.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        with transaction.atomic():
            incident = _lock(pk)
            if incident.state != State.RESOLVED or incident.resolved_at >= cutoff:
                continue  # reopened or handled meanwhile
            _transition_locked(
                incident, None, State.CLOSED,
                system_note=f"Closed automatically: resolved {days} days ago with no reply from the requester.",
            )
            closed.append(incident.number)
    return closed
