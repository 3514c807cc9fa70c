"""Writing the CMDB: configuration items (their fields, class attributes and services), relationships, and the CIs
a ticket affects. Every write is checked (the desk records CIs: `cmdb.edit`), validated (a class's attributes as the
catalog's typed fields are) and journaled in the CI's history (CIChange), in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.roles import can
from catalog.variables import clean_value, empty
from cmdb.choices import CIStatus, Environment, RelationKind
from cmdb.models import AffectedCI, CIChange, CIClass, ConfigurationItem, Relationship
from core import clock

FIELDS = ("name", "ci_class", "status", "environment", "owner_team", "support_team", "location", "serial_number",
          "asset_tag", "description")
CHOICES = {"status": dict(CIStatus.choices), "environment": dict(Environment.choices)}
RECENT_DAYS = 7


def require_edit(actor: Any) -> None:
    if actor is not None and not can(actor, "cmdb.edit"):
        raise PermissionDenied("Only the service desk records configuration items.")


def words(name: str, value: Any) -> str:
    """A field's value as people read it in the history (labels, names), never a code."""
    if value is None or value == "":
        return ""
    if name in CHOICES:
        return str(CHOICES[name].get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def clean_attributes(ci_class: CIClass, raw: Mapping[str, Any] | None, current: Mapping[str, Any] | None = None,
                     ) -> dict[str, Any]:
    """The class's attributes from `raw` (by name; missing ones keep `current`), each validated like a catalog
    field; unknown names and wrong values are refused, each named (attributes.<name>)."""
    raw = dict(raw or {})
    values = dict(current or {})
    errors: dict[str, list[str]] = {}
    known = {attribute.name: attribute for attribute in ci_class.attributes.all()}
    for name in sorted(set(raw) - set(known)):
        errors[f"attributes.{name}"] = [f"{ci_class.name} has no attribute “{name}”."]
    for name, attribute in known.items():
        if name in raw:
            if empty(raw[name]):
                values.pop(name, None)
            else:
                try:
                    values[name] = clean_value(attribute, raw[name])
                except ValidationError as exc:
                    errors[f"attributes.{name}"] = list(exc.messages)
        if attribute.required and empty(values.get(name)) and f"attributes.{name}" not in errors:
            errors[f"attributes.{name}"] = [f"{attribute.label} is required."]
    if errors:
        raise ValidationError(errors)
    return {name: values[name] for name in known if name in values}


def record(ci: ConfigurationItem, actor: Any, field: str, old: str, new: str, at: Any) -> CIChange:
    return CIChange.objects.create(ci=ci, actor=actor if getattr(actor, "pk", None) else None, field=field,
                                   old_value=old[:2000], new_value=new[:2000], created_at=at)


@transaction.atomic
def create_ci(actor: Any, data: Mapping[str, Any], *, services: Iterable[Any] | None = None) -> ConfigurationItem:
    """Record a new CI (its name unique within its class), with its attributes and the services it supports."""
    require_edit(actor)
    data = dict(data)
    ci_class = data.get("ci_class")
    if ci_class is None:
        raise ValidationError({"ci_class": ["Choose the class of the configuration item."]})
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": ["Name the configuration item."]})
    if ConfigurationItem.objects.filter(ci_class=ci_class, name__iexact=name).exists():
        raise ValidationError({"name": [f"There is already a {ci_class.name.lower()} named “{name}”."]})
    attributes = clean_attributes(ci_class, data.pop("attributes", None))
    now = clock.now()
    ci = ConfigurationItem(**{key: value for key, value in data.items() if key in FIELDS}, attributes=attributes,
                           created_at=now, updated_at=now)
    ci.name = name
    ci.full_clean(exclude=["owner_team", "support_team", "ci_class", "attributes"])
    ci.save()
    if services is not None:
        ci.services.set(list(services))
    record(ci, actor, "created", "", f"{ci_class.name} {name}", now)
    return ci


@transaction.atomic
def update_ci(ci: ConfigurationItem | int, actor: Any, data: Mapping[str, Any], *,
              services: Iterable[Any] | None = None, expected_version: int | None = None) -> ConfigurationItem:
    """Change a CI's fields, attributes and services; each change is a line of its history. A stale
    `expected_version` changes nothing."""
    require_edit(actor)
    locked = ConfigurationItem.objects.select_for_update().get(pk=getattr(ci, "pk", ci))
    if expected_version is not None and expected_version != locked.version:
        raise ValidationError({"version": [f"Someone changed {locked.name} meanwhile (version {locked.version} "
                                           "now): reload it and try again."]})
    data = dict(data)
    now = clock.now()
    changes: list[tuple[str, str, str]] = []
    ci_class = data.get("ci_class", locked.ci_class)
    if "name" in data:
        data["name"] = str(data["name"] or "").strip()
        if not data["name"]:
            raise ValidationError({"name": ["Name the configuration item."]})
        if ConfigurationItem.objects.filter(ci_class=ci_class, name__iexact=data["name"]).exclude(
                pk=locked.pk).exists():
            raise ValidationError({"name": [f"There is already a {ci_class.name.lower()} named “{data['name']}”."]})
    if "attributes" in data or ci_class != locked.ci_class:
        current = locked.attributes if ci_class == locked.ci_class else {}
        attributes = clean_attributes(ci_class, data.pop("attributes", None), current)
        if attributes != locked.attributes:
            changes += [(f"attributes.{name}", words(name, locked.attributes.get(name)),
                         words(name, attributes.get(name)))
                        for name in sorted(set(attributes) | set(locked.attributes))
                        if attributes.get(name) != locked.attributes.get(name)]
            locked.attributes = attributes
    for name in FIELDS:
        if name in data and data[name] != getattr(locked, name):
            changes.append((name, words(name, getattr(locked, name)), words(name, data[name])))
            setattr(locked, name, data[name])
    if changes:
        locked.full_clean(exclude=["owner_team", "support_team", "ci_class", "attributes"])
    if services is not None:
        before = {service.pk: service.name for service in locked.services.all()}
        wanted = {service.pk: service.name for service in services}
        if set(before) != set(wanted):
            locked.services.set(list(wanted))
            changes.append(("services", ", ".join(sorted(before.values())), ", ".join(sorted(wanted.values()))))
    if changes:
        locked.version += 1
        locked.updated_at = now
        locked.save()
        for name, old, new in changes:
            record(locked, actor, name, old, new, now)
    return locked


@transaction.atomic
def relate(source: ConfigurationItem, target: ConfigurationItem, kind: str, actor: Any) -> Relationship:
    """`source` runs on / depends on / ... `target`: journaled on both CIs; refused for itself or a duplicate."""
    require_edit(actor)
    if kind not in RelationKind.values:
        raise ValidationError({"kind": [f"Choose a kind of relationship: {', '.join(RelationKind.labels)}."]})
    if source.pk == target.pk:
        raise ValidationError({"target": ["A configuration item cannot be related to itself."]})
    now = clock.now()
    try:
        with transaction.atomic():
            relationship = Relationship.objects.create(source=source, target=target, kind=kind, created_at=now,
                                                       created_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        raise ValidationError({"target": [f"{source.name} already {RelationKind(kind).label.lower()} "
                                          f"{target.name}."]}) from None
    label = RelationKind(kind).label.lower()
    record(source, actor, "relationship", "", f"{label} {target.name}", now)
    record(target, actor, "relationship", "", f"{source.name} {label} this", now)
    return relationship


@transaction.atomic
def unrelate(relationship: Relationship, actor: Any) -> None:
    """Remove a relationship, journaled on both CIs."""
    require_edit(actor)
    now = clock.now()
    label = RelationKind(relationship.kind).label.lower()
    record(relationship.source, actor, "relationship", f"{label} {relationship.target.name}", "", now)
    record(relationship.target, actor, "relationship", f"{relationship.source.name} {label} this", "", now)
    relationship.delete()


FIELD_LABELS = {"name": "name", "ci_class": "class", "status": "status", "environment": "environment",
                "owner_team": "owner team", "support_team": "support team", "location": "location",
                "serial_number": "serial number", "asset_tag": "asset tag", "description": "description",
                "services": "services supported"}


def labelled(lines: Iterable[CIChange], ci_class: CIClass) -> list[CIChange]:
    """History lines with `label`: the field in words (an attribute by its label), never its code."""
    def in_sentence(label: str) -> str:  # "Operating system" -> "operating system"; "CPUs" stays
        return label if len(label) > 1 and label[1].isupper() else label[:1].lower() + label[1:]

    attributes = {attribute.name: in_sentence(attribute.label) for attribute in ci_class.attributes.all()}
    out = []
    for line in lines:
        name = line.field.removeprefix("attributes.")
        setattr(line, "label", attributes.get(name, name.replace("_", " ")) if line.field.startswith(  # noqa: B010
            "attributes.") else FIELD_LABELS.get(line.field, line.field.replace("_", " ")))
        out.append(line)
    return out


def recent_changes(ci: ConfigurationItem, days: int = RECENT_DAYS) -> QuerySet[CIChange]:
    """What changed on the CI in the last `days` days (triage: "what changed on this server this week?")."""
    return ci.history.filter(created_at__gte=clock.now() - timedelta(days=days)).select_related("actor")


@transaction.atomic
def affect(ticket: Any, ci: ConfigurationItem, actor: Any) -> bool:
    """Record that `ticket` affects `ci` (True the first time), journaled on the ticket and the CI."""
    from core import services as core

    _row, created = AffectedCI.objects.get_or_create(
        ticket_id=ticket.pk, ci=ci, defaults={"created_at": clock.now(),
                                              "created_by": actor if getattr(actor, "pk", None) else None})
    if created:
        core.record_changes(ticket, actor, [core.FieldChange("configuration_items", "", ci.name, internal=True)])
        record(ci, actor, "ticket", "", f"{ticket.number} affects this", clock.now())
    return created


@transaction.atomic
def unaffect(ticket: Any, ci: ConfigurationItem, actor: Any) -> bool:
    """Remove `ci` from the CIs `ticket` affects (True when it was there)."""
    from core import services as core

    deleted, _ = AffectedCI.objects.filter(ticket_id=ticket.pk, ci=ci).delete()
    if deleted:
        core.record_changes(ticket, actor, [core.FieldChange("configuration_items", ci.name, "", internal=True)])
        record(ci, actor, "ticket", f"{ticket.number} affects this", "", clock.now())
    return bool(deleted)
