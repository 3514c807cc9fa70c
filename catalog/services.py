"""Ordering from the catalog: who may order what, and the order itself (a request with its requested item, or an
incident for a record producer); a request following its items.

Every order's answers go through catalog.variables.validate, the one validation of the portal and the API.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Role, has_role, role_of
from catalog import fulfilment, grants
from catalog.choices import ItemState, RequestState
from catalog.kinds import REQUEST, REQUESTED_ITEM
from catalog.models import Audience, CatalogItem, ItemType, Request, RequestedItem, Variable, VariableType
from catalog.variables import validate
from core import kinds, writes
from core import services as core_services
from core.models import TicketKind


def orderable(user: Any) -> QuerySet[CatalogItem]:
    """The active items of active categories that `user` may order."""
    items = CatalogItem.objects.filter(active=True, category__active=True)
    role = role_of(user)
    if role is None:
        return items.none()
    allowed = Q(audience=Audience.EVERYONE) | Q(audience=Audience.ROLES, roles__contains=role)
    if getattr(user, "organization_id", None):
        allowed |= Q(audience=Audience.ORGANIZATIONS, organizations=user.organization_id)
    return items.filter(allowed).distinct()


def people_for(user: Any) -> QuerySet[User]:
    """Whom a "person" field may name: an end user, the people of their organization; the desk, anyone active."""
    people = User.objects.filter(is_active=True)
    if has_role(user, Role.AGENT):
        return people
    return people.filter(organization_id=user.organization_id) if user.organization_id else people.filter(pk=user.pk)


def describe_answers(variables: list[Variable], answers: dict[str, Any]) -> str:
    """The answers in words, one "Label: value" per line (for the desk and the requester)."""
    lines = []
    for variable in variables:
        if variable.name not in answers:
            continue
        value = answers[variable.name]
        if variable.var_type == VariableType.BOOLEAN:
            text = "Yes" if value else "No"
        elif variable.var_type == VariableType.MULTI_CHOICE:
            text = ", ".join(value)
        elif variable.var_type == VariableType.USER:
            person = User.objects.filter(pk=value).first()
            text = person.display_name if person else str(value)
        else:
            text = str(value)
        lines.append(f"{variable.label}: {text}")
    return "\n".join(lines)


@transaction.atomic
def order(item: CatalogItem, actor: Any, answers: dict[str, Any], *, requested_for: Any = None) -> Any:
    """Order `item` with the answers to its form, for the actor or (the desk) for someone else. A request item
    makes a request (REQ) and its requested item (RITM); a record producer raises an incident. Bad answers are a
    ValidationError naming each field; an item the actor may not order does not exist for them."""
    if not orderable(actor).filter(pk=item.pk).exists():
        raise PermissionDenied("This item cannot be ordered.")
    person = requested_for or actor
    if person.pk != actor.pk:
        if not has_role(actor, Role.AGENT):
            raise ValidationError({"requested_for": ["You order for yourself; the service desk orders for others."]})
        if not person.is_active:
            raise ValidationError({"requested_for": [f"{person.display_name} is no longer active."]})
    variables = grants.form_variables(item, person)
    cleaned = validate(variables, answers, people=people_for(actor))
    grant = grants.check(item, person, cleaned)
    files = {name: value for name, value in cleaned.items() if isinstance(value, UploadedFile)}
    cleaned.update({name: upload.name for name, upload in files.items()})  # the answer is the file's name
    text = describe_answers(variables, cleaned)
    if item.item_type == ItemType.RECORD_PRODUCER:
        incident = kinds.get(TicketKind.INCIDENT)
        title = str(cleaned.get("title") or cleaned.get("summary") or item.name)[:200]
        raised = writes.create(incident, actor, {"title": title, "description": text, "service": item.service,
                                                 **({"requester": person} if person.pk != actor.pk else {})},
                               preset={"channel": "portal"} if not has_role(actor, Role.AGENT) else None)
        attach(raised, actor, files)
        return raised
    for_someone = {"requester": person} if person.pk != actor.pk else {}
    request: Request = writes.create(REQUEST, actor, {
        "title": item.name if not for_someone else f"{item.name} for {person.display_name}",
        "description": text, "service": item.service, **for_someone}, preset={"opened_by": actor})
    requested = writes.create(REQUESTED_ITEM, actor, {"title": item.name, "description": text,
                                                      "service": item.service, **for_someone},
                              preset={"parent_request": request, "catalog_item": item, "answers": cleaned})
    grants.opened(requested, person, cleaned, grant)
    attach(requested, actor, files)
    fulfilment.start(requested, actor)
    return request


def attach(ticket: Any, actor: Any, files: dict[str, UploadedFile]) -> None:
    """The files of an order's answers, attached to what it raised (the requester and the desk read them)."""
    for upload in files.values():
        core_services.add_attachment(ticket, actor, upload)


def follow_items(request_id: int, actor: Any) -> None:
    """Move a request to where its items are (inside the item's transaction)."""
    request: Request = writes.lock(REQUEST, request_id)
    states = list(RequestedItem.objects.filter(parent_request_id=request_id).values_list("state", flat=True))
    if any(state == ItemState.FULFILMENT for state in states):
        target = RequestState.IN_PROGRESS
    elif states and all(state in (ItemState.CANCELLED, ItemState.REJECTED) for state in states):
        target = RequestState.CANCELLED
    elif states and not any(state in REQUESTED_ITEM.workflow.open_states for state in states):
        target = RequestState.CLOSED
    else:
        target = RequestState.OPEN
    if target != request.state and target in REQUEST.workflow.allowed_from(request.state):
        writes.move(REQUEST, request, None, target)  # the system: the request follows what `actor` did
