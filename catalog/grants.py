"""Access management: ordering access to a system or group, the access register, and revoking access.

An access item (CatalogItem of type "access", for one AccessSystem) adds two fields to its form: the level and the
last day of access. Its order opens a grant in the register (requested); the system's owner approves it (an
approval step added when the item names none); a task to grant it is raised (unless the item has a plan of its
own); the item delivered, the grant is active. A "revoke access" request works the same way backwards: its
delivery revokes the grant. Access with an end date is revoked by a request raised when it expires
(revoke_expired, Celery beat), once per grant.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from catalog.choices import Approver
from catalog.models import (
    AccessGrant,
    AccessSystem,
    ApprovalStep,
    CatalogCategory,
    CatalogItem,
    GrantState,
    ItemType,
    RequestedItem,
    Variable,
    VariableType,
)

log = logging.getLogger(__name__)
LEVEL, UNTIL, WHICH = "access_level", "access_until", "access_to_revoke"
RESERVED_NAMES = frozenset({LEVEL, UNTIL, WHICH})


def revocable(person: Any) -> QuerySet[AccessGrant]:
    """The person's active access that no request is revoking yet."""
    return (AccessGrant.objects.filter(person=person, state=GrantState.ACTIVE, revoke_item__isnull=True)
            .select_related("system").order_by("system__name", "level", "pk"))


def grant_label(grant: AccessGrant) -> str:
    """How a grant is named in a form and on a page: "Finance share: Read and write (until 31 Jan 2027)"."""
    until = f" (until {grant.until:%-d %b %Y})" if grant.until else ""
    return f"{grant.system.name}: {grant.level}{until}"


def form_variables(item: CatalogItem, person: Any) -> list[Variable]:
    """The item's form: the built-in fields of an access item (level, until when) or a revoke item (which access
    of `person`), then the item's own variables."""
    own = list(item.variables.select_related("show_when"))
    return built_in(item, person) + own


def built_in(item: CatalogItem, person: Any) -> list[Variable]:
    """The fields every access or revoke item has (unsaved variables, ahead of the item's own)."""
    if item.item_type == ItemType.ACCESS and item.access_system_id:
        system = item.access_system
        assert system is not None
        most = f" At most {system.max_days} days from today." if system.max_days else ""
        return [
            Variable(pk=-2, item=item, name=LEVEL, label="Access level", var_type=VariableType.CHOICE,
                     required=True, choices="\n".join(system.level_list()), order=0,
                     help_text=f"What you may do in {system.name}."),
            Variable(pk=-1, item=item, name=UNTIL, label="Until", var_type=VariableType.DATE, order=0,
                     required=system.end_date_required or bool(system.max_days),
                     help_text="The last day you need it; it is revoked afterwards." + most
                     if system.end_date_required or system.max_days else
                     "The last day you need it; leave empty for as long as your role needs it." + most),
        ]
    if item.item_type == ItemType.REVOKE_ACCESS:
        labels = [grant_label(grant) for grant in revocable(person)] if person is not None else []
        return [Variable(pk=-3, item=item, name=WHICH, label="Access to revoke", var_type=VariableType.CHOICE,
                         required=True, choices="\n".join(labels), order=0,
                         help_text="Your access that is still active." if labels else
                         "You have no active access to give up.")]
    return []


def check(item: CatalogItem, person: Any, cleaned: dict[str, Any]) -> AccessGrant | None:
    """What an access or revoke order must also respect, as field errors: an end date from today on and within
    the system's limit; no second request for access the person has or asked for. A revoke order: the grant it
    names (returned)."""
    if item.item_type == ItemType.ACCESS:
        system = item.access_system
        if system is None or not system.active:
            raise ValidationError({LEVEL: ["This system no longer grants access."]})
        today = timezone.localdate()
        until = date.fromisoformat(cleaned[UNTIL]) if cleaned.get(UNTIL) else None
        if until is not None and until < today:
            raise ValidationError({UNTIL: ["Choose today or a later day."]})
        if until is not None and system.max_days and until > today + timedelta(days=system.max_days):
            latest = today + timedelta(days=system.max_days)
            raise ValidationError({UNTIL: [f"{system.name} grants at most {system.max_days} days: "
                                           f"{latest:%-d %b %Y} at the latest."]})
        same = AccessGrant.objects.filter(person=person, system=system, level=cleaned[LEVEL],
                                          state__in=[GrantState.REQUESTED, GrantState.ACTIVE]).first()
        if same is not None:
            already = "has" if same.state == GrantState.ACTIVE else "has asked for"
            raise ValidationError({LEVEL: [f"{person.display_name} already {already} this access "
                                           f"({grant_label(same)})."]})
        return None
    if item.item_type == ItemType.REVOKE_ACCESS:
        grant = next((g for g in revocable(person) if grant_label(g) == cleaned.get(WHICH)), None)
        if grant is None:
            raise ValidationError({WHICH: ["Choose active access."]})
        return grant
    return None


def opened(requested: RequestedItem, person: Any, cleaned: dict[str, Any], grant: AccessGrant | None) -> None:
    """With the requested item of an access order: its grant in the register (requested); of a revoke order: the
    grant it revokes (refused if another request took it meanwhile)."""
    item = requested.catalog_item
    if item.item_type == ItemType.ACCESS:
        assert item.access_system is not None
        AccessGrant.objects.create(person=person, system=item.access_system, level=cleaned[LEVEL],
                                   until=date.fromisoformat(cleaned[UNTIL]) if cleaned.get(UNTIL) else None,
                                   requested_item=requested)
    elif grant is not None:
        taken = AccessGrant.objects.filter(pk=grant.pk, state=GrantState.ACTIVE, revoke_item__isnull=True).update(
            revoke_item=requested)
        if not taken:
            raise ValidationError({WHICH: ["Another request is already revoking this access."]})


def approval_steps(requested: RequestedItem) -> list[ApprovalStep]:
    """The item's approval steps in order; an access item always ends with its system's owner (added when the
    item names no such step)."""
    steps = list(requested.catalog_item.approval_steps.select_related("group"))
    if requested.catalog_item.item_type == ItemType.ACCESS and not any(
            step.approver == Approver.SYSTEM_OWNER for step in steps):
        steps.append(ApprovalStep(item=requested.catalog_item, order=len(steps) + 1, approver=Approver.SYSTEM_OWNER))
    return steps


def system_of(requested: RequestedItem) -> AccessSystem | None:
    """The system an access or revoke item is about."""
    if requested.catalog_item.access_system_id:
        return requested.catalog_item.access_system
    grant = requested.revoked_grants.select_related("system").first()
    return grant.system if grant is not None else None


def owners(requested: RequestedItem) -> tuple[list[Any], Any, str]:
    """Who approves as the system's owner (never the requester), the group if a group owns it, and their name."""
    system = system_of(requested)
    if system is None:
        return [], None, "the system's owner"
    name = f"the owner of {system.name}"
    if system.owner_group_id:
        group = system.owner_group
        assert group is not None
        people = list(group.members.filter(is_active=True).exclude(pk=requested.requester_id).order_by("pk"))
        return people, group, group.name
    owner = system.owner
    if owner is None or not owner.is_active or owner.pk == requested.requester_id:
        return [], None, name
    return [owner], None, name


def task_for(requested: RequestedItem) -> dict[str, Any] | None:
    """The task that grants or revokes an item's access (raised when its item has no plan of its own)."""
    item = requested.catalog_item
    if item.item_type == ItemType.ACCESS:
        grant = requested.access_grants.select_related("system", "person").first()
        verb = "Grant"
    elif item.item_type == ItemType.REVOKE_ACCESS:
        grant = requested.revoked_grants.select_related("system", "person").first()
        verb = "Revoke"
    else:
        return None
    if grant is None:
        return None
    until = f", until {grant.until:%-d %b %Y} included" if grant.until and verb == "Grant" else ""
    return {"title": f"{verb} {grant.level} access to {grant.system.name} for {grant.person.display_name}",
            "instructions": f"{verb} {grant.person.display_name} ({grant.person.email or grant.person.username}) "
                            f"{grant.level} access to {grant.system.name}{until}. Close this task once done: the "
                            f"access register follows.",
            "team": grant.system.team}


def delivered(requested: RequestedItem, actor: Any) -> None:
    """The item delivered: the access it asked for is active (superseding the person's other level of the same
    system), or the access it revoked is revoked."""
    now = timezone.now()
    for grant in requested.access_grants.filter(state=GrantState.REQUESTED):
        (AccessGrant.objects.filter(person_id=grant.person_id, system_id=grant.system_id, state=GrantState.ACTIVE)
         .update(state=GrantState.REVOKED, revoked_at=now, revoked_by=actor,
                 revoke_item_id=Coalesce("revoke_item_id", Value(requested.pk))))  # a revoke under way stays named
        AccessGrant.objects.filter(pk=grant.pk).update(state=GrantState.ACTIVE, granted_at=now, granted_by=actor)
    requested.revoked_grants.filter(state=GrantState.ACTIVE).update(state=GrantState.REVOKED, revoked_at=now,
                                                                   revoked_by=actor)


def credit(requested: RequestedItem, actor: Any) -> None:
    """Name `actor` (who finished the item's last task) as who granted or revoked its access."""
    if actor is None:
        return
    requested.access_grants.filter(state=GrantState.ACTIVE, granted_by__isnull=True).update(granted_by=actor)
    requested.revoked_grants.filter(state=GrantState.REVOKED, revoked_by__isnull=True).update(revoked_by=actor)


def dropped(requested: RequestedItem) -> None:
    """The item rejected or cancelled: the access it asked for is not granted; the access it was to revoke stays
    (and may be revoked by another request)."""
    requested.access_grants.filter(state=GrantState.REQUESTED).update(state=GrantState.CANCELLED)
    requested.revoked_grants.filter(state=GrantState.ACTIVE).update(revoke_item=None)


def revoke_item() -> CatalogItem:
    """The catalog's "Revoke access" item (created, in an "Access" category, the first time it is needed)."""
    item = CatalogItem.objects.filter(item_type=ItemType.REVOKE_ACCESS).order_by("-active", "pk").first()
    if item is not None:
        return item
    category = CatalogCategory.objects.filter(slug="access").first() or CatalogCategory.objects.create(
        name="Access", slug="access", icon="key", description="Access to systems, folders and groups.")
    slug = "revoke-access" if not CatalogItem.objects.filter(slug="revoke-access").exists() else slugify(
        f"revoke-access-{timezone.now():%Y%m%d%H%M%S}")
    return CatalogItem.objects.create(name="Revoke access", slug=slug, category=category,
                                      item_type=ItemType.REVOKE_ACCESS,
                                      short_description="Give up access you no longer need.")


@transaction.atomic
def request_revoke(grant: AccessGrant, actor: Any, reason: str) -> Any:
    """Raise the request revoking `grant` (for its holder; by `actor`, or the system when None), without approval:
    its task goes to the system's team. A ValidationError when the access is not active or already being revoked.
    """
    from catalog import fulfilment
    from catalog.kinds import REQUEST, REQUESTED_ITEM
    from core import writes

    locked = AccessGrant.objects.select_for_update().select_related("system", "person").get(pk=grant.pk)
    if locked.state != GrantState.ACTIVE:
        raise ValidationError({"access": ["This access is not active."]})
    if locked.revoke_item_id:
        raise ValidationError({"access": ["Another request is already revoking this access."]})
    item = revoke_item()
    label = grant_label(locked)
    text = f"Access to revoke: {label}\nWhy: {reason}"
    person = locked.person
    request = writes.create(REQUEST, None, {"title": f"Revoke access: {locked.system.name}", "description": text,
                                            "requester": person}, preset={"opened_by": actor})
    requested = writes.create(REQUESTED_ITEM, None, {"title": f"Revoke access: {label}", "description": text,
                                                     "requester": person},
                              preset={"parent_request": request, "catalog_item": item, "answers": {WHICH: label}})
    AccessGrant.objects.filter(pk=locked.pk).update(revoke_item=requested)
    fulfilment.prepare(requested, actor)
    return request


def revoke_expired(today: date | None = None, limit: int = 500) -> int:
    """Raise the request revoking each active access past its last day, once per grant (a grant taken by a
    concurrent sweep is skipped; one the holder is already giving up is only marked). Returns how many."""
    today = today or timezone.localdate()
    ids = list(AccessGrant.objects.filter(state=GrantState.ACTIVE, until__lt=today, expiry_raised_at__isnull=True)
               .order_by("until", "pk").values_list("pk", flat=True)[:limit])
    raised = 0
    for pk in ids:
        try:
            raised += expire(pk)
        except (ValidationError, DatabaseError):  # one grant's trouble never stops the others' revocation
            log.exception("The expiry of access %s could not raise its revoke request; retried next sweep.", pk)
    return raised


@transaction.atomic
def expire(pk: int) -> int:
    """Raise the revoke request of one expired grant, unless a concurrent sweep holds it or it was raised; 1 if
    raised."""
    grant = (AccessGrant.objects.select_for_update(skip_locked=True)
             .filter(pk=pk, state=GrantState.ACTIVE, expiry_raised_at__isnull=True).first())
    if grant is None:
        return 0
    AccessGrant.objects.filter(pk=pk).update(expiry_raised_at=timezone.now())
    if grant.revoke_item_id is not None:  # the holder (or the desk) is already revoking it
        return 0
    assert grant.until is not None
    request_revoke(grant, None, f"it expired: the last day was {grant.until:%-d %b %Y}.")
    return 1
