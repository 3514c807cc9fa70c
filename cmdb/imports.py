"""Importing configuration items (and relationships) in bulk: from a CSV file on the import page and from discovery
tools through the API (cmdb.import_api). Both go through `plan` (validate every item, compare it with what is
recorded, write nothing) and `apply` (write the plan through cmdb.services.create_ci / update_ci / relate, so the
history records each change as if made by hand).

The natural key of a CI is its class and name (the name case-insensitive): an item that names an existing CI
updates it, only where the values differ; otherwise it creates one. Importing the same data twice changes nothing
the second time (every item "unchanged", no history line).

An item is a mapping with the keys of ITEM_KEYS. A key left out keeps the CI's value (a new CI gets the default);
an empty value clears it (status and environment cannot be cleared). `class`, `owner_team`, `support_team` and each
of `services` are a slug or a name (case-insensitive); `status` and `environment` a value or a label
("in_use" or "In use"); `attributes` the class's attributes by name, validated as the catalog's typed fields are.

A relationship is {"source": {"class", "name"}, "kind", "target": {"class", "name"}}: its ends are CIs already
recorded or items of the same import; a relationship already recorded is "unchanged".

Errors are collected per item and per field (`Problem`: the item's line in a CSV file or its index in the API, the
field, the message). A plan with any error applies nothing unless asked to import the valid items only.

CSV files (`parse_csv`): UTF-8 (a byte order mark is tolerated), comma or semicolon delimited (sniffed), at most
MAX_BYTES and MAX_ROWS. The header names the columns: name, class, status, environment, owner_team, support_team,
location, serial_number, asset_tag, description, services (semicolon-separated slugs or names) and `attr:<name>`
for each attribute. A file whose header is source_class, source, kind, target_class, target holds relationships.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import Team
from catalog.models import Service
from catalog.variables import empty
from cmdb import services
from cmdb.choices import CIStatus, Environment, RelationKind
from cmdb.models import CIClass, ConfigurationItem, Relationship

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_RELATIONSHIPS = 50_000
LOOKUP_CHUNK = 1_000
PROGRESS_EVERY = 100

TEXT_FIELDS = {"location": 200, "serial_number": 100, "asset_tag": 100, "description": 5000}
ITEM_KEYS = ("name", "class", "status", "environment", "owner_team", "support_team", *TEXT_FIELDS, "services",
             "attributes")
CSV_COLUMNS = tuple(key for key in ITEM_KEYS if key != "attributes")
RELATIONSHIP_COLUMNS = ("source_class", "source", "kind", "target_class", "target")
ATTRIBUTE_PREFIX = "attr:"

LABELS = {"name": "Name", "class": "Class", "status": "Status", "environment": "Environment",
          "owner_team": "Owner team", "support_team": "Support team", "location": "Location",
          "serial_number": "Serial number", "asset_tag": "Asset tag", "description": "Description",
          "services": "Services"}

CREATE, UPDATE, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
OUTCOME_LABELS = {CREATE: "Created", UPDATE: "Updated", UNCHANGED: "Unchanged", ERROR: "Refused"}
PREVIEW_LABELS = {CREATE: "To create", UPDATE: "To update", UNCHANGED: "Unchanged", ERROR: "Refused"}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (its size, encoding, header, number of rows): nothing in it is read."""


@dataclass
class Problem:
    """What is wrong with one field of one item: `where` is "line 7" (CSV) or the item's index (API)."""

    field: str
    message: str


@dataclass
class Change:
    """One field an update changes, in words (labels, names)."""

    field: str
    label: str
    old: str
    new: str


@dataclass
class ItemPlan:
    """One item of an import: what it becomes (create, update, unchanged, error), the changes and problems."""

    index: int
    line: int | None
    name: str
    class_name: str
    outcome: str = UNCHANGED
    ci: ConfigurationItem | None = None
    data: dict[str, Any] = field(default_factory=dict)
    services: list[Service] | None = None
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def preview_label(self) -> str:
        return PREVIEW_LABELS[self.outcome]

    def refuse(self, name: str, message: str | Iterable[str]) -> None:
        for text in [message] if isinstance(message, str) else message:
            self.problems.append(Problem(name, text))
        self.outcome = ERROR


@dataclass
class RelationshipPlan:
    """One relationship of an import: created, unchanged (already recorded) or refused, with its problems."""

    index: int
    line: int | None
    source: tuple[str, str]
    kind: str
    target: tuple[str, str]
    outcome: str = UNCHANGED
    source_item: ItemPlan | ConfigurationItem | None = None
    target_item: ItemPlan | ConfigurationItem | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def preview_label(self) -> str:
        return PREVIEW_LABELS[self.outcome]

    @property
    def kind_label(self) -> str:
        return str(RelationKind(self.kind).label) if self.kind in RelationKind.values else self.kind

    def refuse(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message))
        self.outcome = ERROR


@dataclass
class Plan:
    """An import, validated and compared with the CMDB: each item's and relationship's outcome."""

    items: list[ItemPlan] = field(default_factory=list)
    relationships: list[RelationshipPlan] = field(default_factory=list)
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return (any(item.outcome == ERROR for item in self.items)
                or any(relationship.outcome == ERROR for relationship in self.relationships))

    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
        for item in self.items:
            counts[item.outcome] += 1
        return counts

    def relationship_counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UNCHANGED: 0, ERROR: 0}
        for relationship in self.relationships:
            counts[relationship.outcome] += 1
        return counts

    def errors(self, *, paths: bool = False) -> list[tuple[str, str]]:
        """Every problem as (where, message): "line 7, environment" (a CSV file) or "items[3].environment"
        (paths, the API)."""
        found = []
        entries: Sequence[ItemPlan | RelationshipPlan]
        for prefix, entries in (("items", self.items), ("relationships", self.relationships)):
            for entry in entries:
                for problem in entry.problems:
                    if paths:
                        found.append((f"{prefix}[{entry.index}].{problem.field}", problem.message))
                    else:
                        where = f"line {entry.line}" if entry.line is not None else f"{prefix} {entry.index + 1}"
                        found.append((f"{where}, {problem.field}", problem.message))
        return found


# --- reading a CSV file --------------------------------------------------------------------------------------------

@dataclass
class Parsed:
    """A CSV file read into items (or relationships), each with its line."""

    items: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def decode(content: bytes) -> str:
    """The text of an uploaded file: UTF-8, a byte order mark tolerated; refused in words otherwise."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise ImportFileError(f"The file is not UTF-8 text (line {line}): save it as CSV UTF-8.") from None


def sniff_delimiter(text: str) -> str:
    """Comma or semicolon, whichever the header line uses (outside quotes) more."""
    header = text.split("\n", 1)[0]
    commas = semicolons = 0
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == ",":
            commas += 1
        elif not quoted and char == ";":
            semicolons += 1
    return ";" if semicolons > commas else ","


def parse_csv(text: str) -> Parsed:
    """The items (or relationships) of a CSV file's text. A blank cell clears the field, except status and
    environment (a blank keeps them) and an attribute the row's class does not have; a column left out keeps it."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    try:
        header = [column.strip() for column in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(f"Line 1 cannot be read as CSV: {exc}.") from None
    lowered = [column.lower() if not column.lower().startswith(ATTRIBUTE_PREFIX) else
               ATTRIBUTE_PREFIX + column[len(ATTRIBUTE_PREFIX):].strip() for column in header]
    relationships = set(RELATIONSHIP_COLUMNS) <= set(lowered)
    known = RELATIONSHIP_COLUMNS if relationships else CSV_COLUMNS
    unknown = [column for column in lowered if column not in known
               and (relationships or not column.startswith(ATTRIBUTE_PREFIX) or column == ATTRIBUTE_PREFIX)]
    if unknown:
        raise ImportFileError(f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: the columns "
                              f"are {', '.join(known)}{'' if relationships else ' and attr:<attribute name>'}.")
    doubled = sorted({column for column in lowered if lowered.count(column) > 1})
    if doubled:
        raise ImportFileError(f"The column{'s' if len(doubled) > 1 else ''} {', '.join(doubled)} appear"
                              f"{'' if len(doubled) > 1 else 's'} twice.")
    required = ("source_class", "source", "kind", "target_class", "target") if relationships else ("name", "class")
    missing = [column for column in required if column not in lowered]
    if missing:
        raise ImportFileError(f"The header has no column {', '.join(missing)} (the first line names the columns: "
                              f"{', '.join(known)}).")
    parsed = Parsed(columns=lowered)
    last = reader.line_num
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(parsed.lines) >= (MAX_RELATIONSHIPS if relationships else MAX_ROWS):
                raise ImportFileError(f"The file has more than {MAX_RELATIONSHIPS if relationships else MAX_ROWS:,} "
                                      "rows: split it.")
            if len(row) > len(lowered):
                raise ImportFileError(f"Line {line} has {len(row)} cells, the header {len(lowered)} columns.")
            cells = dict(zip(lowered, [cell.strip() for cell in row] + [""] * (len(lowered) - len(row)),
                             strict=True))
            parsed.lines.append(line)
            if relationships:
                parsed.relationships.append({
                    "source": {"class": cells["source_class"], "name": cells["source"]}, "kind": cells["kind"],
                    "target": {"class": cells["target_class"], "name": cells["target"]}})
            else:
                parsed.items.append(csv_item(cells))
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None
    if not parsed.lines:
        raise ImportFileError("The file has a header but no rows.")
    return parsed


def csv_item(cells: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for column, value in cells.items():
        if column.startswith(ATTRIBUTE_PREFIX):
            attributes[column[len(ATTRIBUTE_PREFIX):]] = value
        elif column == "services":
            item["services"] = [part.strip() for part in value.split(";") if part.strip()]
        elif column in ("status", "environment") and not value:
            continue
        else:
            item[column] = value
    if attributes:
        item["attributes"] = attributes
    return item


# --- planning: validate and compare, write nothing -----------------------------------------------------------------

class Lookup:
    """Classes, teams and services by slug or name (lower-case), each fetched once per import."""

    def __init__(self) -> None:
        self.classes = by_slug_and_name(CIClass.objects.prefetch_related("attributes"))
        self.teams = by_slug_and_name(Team.objects.all())
        self.services = by_slug_and_name(Service.objects.all())


def by_slug_and_name(queryset: Iterable[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for row in queryset:
        found.setdefault(row.name.lower(), row)
        found[row.slug.lower()] = row
    return found


def choice(kind: type[Any], raw: str) -> str | None:
    """A choice's value from its value or its label, case-insensitive."""
    wanted = raw.strip().lower()
    for value, label in kind.choices:
        if wanted in (value.lower(), str(label).lower()):
            return str(value)
    return None


def existing_cis(keys: set[tuple[int, str]]) -> dict[tuple[int, str], ConfigurationItem]:
    """The CIs recorded under the natural keys (class id, lower-case name), with their services: a query per
    LOOKUP_CHUNK keys (and one for their services)."""
    found: dict[tuple[int, str], ConfigurationItem] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start:start + LOOKUP_CHUNK]
        names = {name for _class, name in chunk}
        classes = {class_id for class_id, _name in chunk}
        for ci in (ConfigurationItem.objects.annotate(lower_name=Lower("name"))
                   .filter(ci_class_id__in=classes, lower_name__in=names)
                   .select_related("owner_team", "support_team").prefetch_related("services")):
            key = (ci.ci_class_id, ci.name.lower())
            if key in keys:
                found[key] = ci
    return found


def text_of(plan: ItemPlan, raw: Mapping[str, Any], name: str) -> str | None:
    """A text value of the item (None when it is not text: the problem is noted)."""
    value = raw[name]
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        plan.refuse(name, "Write text here.")
        return None
    return str(value).strip()


def plan_item(index: int, line: int | None, raw: Any, lookup: Lookup) -> tuple[ItemPlan, CIClass | None]:
    """An item validated on its own (the CMDB is compared later, in bulk)."""
    if not isinstance(raw, Mapping):
        plan = ItemPlan(index, line, "", "")
        plan.refuse("name", "Each item is an object with a name and a class.")
        return plan, None
    name = raw.get("name")
    class_raw = raw.get("class")
    plan = ItemPlan(index, line, str(name).strip() if isinstance(name, str) else "",
                    str(class_raw).strip() if isinstance(class_raw, str) else "")
    for key in raw:
        if key not in ITEM_KEYS:
            plan.refuse(str(key), "Unknown field.")
    if not plan.name:
        plan.refuse("name", "Name the configuration item." if not name or isinstance(name, str) else
                    "Write text here.")
    elif len(plan.name) > 200:
        plan.refuse("name", "At most 200 characters.")
    ci_class = lookup.classes.get(plan.class_name.lower()) if plan.class_name else None
    if ci_class is None:
        known = sorted({ci_class.name for ci_class in lookup.classes.values()})
        plan.refuse("class", (f"No class “{plan.class_name}”: choose one of {', '.join(known)}." if plan.class_name
                              else f"Choose the class: {', '.join(known)}.") if len(known) <= 12 else
                    (f"No class “{plan.class_name}” (a class's slug or name)." if plan.class_name
                     else "Choose the class (its slug or name)."))
    else:
        plan.class_name = ci_class.name
    data: dict[str, Any] = {}
    for key, kind in (("status", CIStatus), ("environment", Environment)):
        if key in raw:
            value = raw[key]
            picked = choice(kind, value) if isinstance(value, str) else None
            if picked is None:
                plan.refuse(key, f"Choose one of {', '.join(str(label) for label in kind.labels)}.")
            else:
                data[key] = picked
    for key in ("owner_team", "support_team"):
        if key in raw:
            value = text_of(plan, raw, key)
            if value is None:
                continue
            team = lookup.teams.get(value.lower()) if value else None
            if value and team is None:
                plan.refuse(key, f"No team “{value}” (a team's slug or name).")
            else:
                data[key] = team
    for key, most in TEXT_FIELDS.items():
        if key in raw:
            value = text_of(plan, raw, key)
            if value is None:
                continue
            if len(value) > most:
                plan.refuse(key, f"At most {most} characters.")
            else:
                data[key] = value
    if "services" in raw:
        values = raw["services"]
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            plan.refuse("services", "A list of service slugs or names.")
        else:
            wanted, unknown = [], []
            for value in values:
                service = lookup.services.get(value.strip().lower())
                if service is None:
                    unknown.append(value.strip())
                elif service not in wanted:
                    wanted.append(service)
            if unknown:
                plan.refuse("services", f"No service {', '.join(f'“{value}”' for value in unknown)} (a service's "
                                        "slug or name).")
            else:
                plan.services = wanted
    if "attributes" in raw:
        attributes = raw["attributes"]
        if attributes is None:
            attributes = {}
        if not isinstance(attributes, Mapping):
            plan.refuse("attributes", "An object of the class's attributes by name.")
        elif ci_class is not None:
            known_names = {attribute.name for attribute in ci_class.attributes.all()}
            # a CSV file's column of an attribute other classes have: blank for this class, nothing to say
            data["attributes"] = {name: value for name, value in attributes.items()
                                  if name in known_names or not empty(value)}
    plan.data = data
    return plan, ci_class


def compare(plan: ItemPlan, ci_class: CIClass, ci: ConfigurationItem | None, path: str) -> None:
    """Decide create / update / unchanged against the recorded CI (if any): the fields that differ, in words."""
    data = plan.data
    raw_attributes = data.pop("attributes", None)
    try:
        attributes = services.clean_attributes(ci_class, raw_attributes, ci.attributes if ci else None)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            name = key.split(".", 1)[1] if key.startswith("attributes.") else key
            plan.refuse(f"{path}{name}", messages)
        return
    if plan.outcome == ERROR:
        return
    labels = {attribute.name: attribute.label for attribute in ci_class.attributes.all()}
    if ci is None:
        plan.outcome = CREATE
        plan.data = {**data, "name": plan.name, "ci_class": ci_class, "attributes": attributes}
        return
    plan.ci = ci
    changed: dict[str, Any] = {}
    if ci.name != plan.name:
        changed["name"] = plan.name
        plan.changes.append(Change("name", LABELS["name"], ci.name, plan.name))
    for key, value in data.items():
        current = getattr(ci, key)
        if value != current:
            changed[key] = value
            plan.changes.append(Change(key, LABELS[key], services.words(key, current), services.words(key, value)))
    if attributes != ci.attributes:
        changed["attributes"] = attributes
        for name in sorted(set(attributes) | set(ci.attributes)):
            if attributes.get(name) != ci.attributes.get(name):
                plan.changes.append(Change(f"attributes.{name}", labels.get(name, name),
                                           services.words(name, ci.attributes.get(name)),
                                           services.words(name, attributes.get(name))))
    if plan.services is not None:
        current_services = {service.pk: service.name for service in ci.services.all()}
        if set(current_services) != {service.pk for service in plan.services}:
            plan.changes.append(Change("services", LABELS["services"], ", ".join(sorted(current_services.values())),
                                       ", ".join(sorted(service.name for service in plan.services))))
        else:
            plan.services = None
    plan.data = changed
    plan.outcome = UPDATE if plan.changes else UNCHANGED


def plan(items: Sequence[Any], relationships: Sequence[Any] = (), *, lines: Sequence[int] | None = None,
         attribute_path: str = "attributes.") -> Plan:
    """Validate the items and relationships and compare them with the CMDB; write nothing. `lines` are the CSV
    lines of the items (or of the relationships, when there are no items); `attribute_path` the prefix problems
    of attributes are named with ("attr:" in a CSV file)."""
    lookup = Lookup()
    result = Plan()
    classes: list[CIClass | None] = []
    item_lines = lines if items else None
    for index, raw in enumerate(items):
        item, ci_class = plan_item(index, item_lines[index] if item_lines else None, raw, lookup)
        result.items.append(item)
        classes.append(ci_class)
    seen: dict[tuple[int, str], ItemPlan] = {}
    for item, ci_class in zip(result.items, classes, strict=True):
        if ci_class is None or not item.name:
            continue
        key = (ci_class.pk, item.name.lower())
        if key in seen:
            first = seen[key]
            where = f"line {first.line}" if first.line is not None else f"items[{first.index}]"
            item.refuse("name", f"{ci_class.name} “{item.name}” is already in this import ({where}).")
        else:
            seen[key] = item
    recorded = existing_cis(set(seen))
    for item, ci_class in zip(result.items, classes, strict=True):
        if ci_class is not None:  # also for an item already refused: every problem named at once
            compare(item, ci_class, recorded.get((ci_class.pk, item.name.lower())), attribute_path)
    if relationships:
        plan_relationships(result, relationships, lines if not items else None, lookup, seen)
    return result


def plan_relationships(result: Plan, relationships: Sequence[Any], lines: Sequence[int] | None, lookup: Lookup,
                       items: Mapping[tuple[int, str], ItemPlan]) -> None:
    """Resolve each relationship's ends (the CMDB, or an item of this import) and whether it is recorded."""
    if len(relationships) > MAX_RELATIONSHIPS:
        raise ImportFileError(f"At most {MAX_RELATIONSHIPS:,} relationships in one import.")
    ends: list[tuple[RelationshipPlan, tuple[int, str] | None, tuple[int, str] | None]] = []
    wanted: set[tuple[int, str]] = set()
    for index, raw in enumerate(relationships):
        line = lines[index] if lines else None
        if not isinstance(raw, Mapping):
            entry = RelationshipPlan(index, line, ("", ""), "", ("", ""))
            entry.refuse("source", "Each relationship is an object with a source, a kind and a target.")
            result.relationships.append(entry)
            continue
        keys: list[tuple[int, str] | None] = []
        names: list[tuple[str, str]] = []
        problems: list[Problem] = [Problem(str(key), "Unknown field.") for key in raw
                                   if key not in ("source", "kind", "target")]
        for end in ("source", "target"):
            value = raw.get(end)
            class_name = value.get("class") if isinstance(value, Mapping) else None
            name = value.get("name") if isinstance(value, Mapping) else None
            if not isinstance(class_name, str) or not isinstance(name, str) or not name.strip():
                problems.append(Problem(end, "Name the configuration item: {\"class\": …, \"name\": …}."))
                keys.append(None)
                names.append(("", ""))
                continue
            ci_class = lookup.classes.get(class_name.strip().lower())
            if ci_class is None:
                problems.append(Problem(f"{end}.class", f"No class “{class_name.strip()}”."))
                keys.append(None)
                names.append((class_name.strip(), name.strip()))
                continue
            keys.append((ci_class.pk, name.strip().lower()))
            names.append((ci_class.name, name.strip()))
        kind_raw = raw.get("kind")
        kind = choice(RelationKind, kind_raw) if isinstance(kind_raw, str) else None
        if kind is None:
            problems.append(Problem("kind", f"Choose one of {', '.join(str(label) for label in RelationKind.labels)}."))
        entry = RelationshipPlan(index, line, names[0], kind or str(kind_raw or ""), names[1])
        for problem in problems:
            entry.refuse(problem.field, problem.message)
        if keys[0] is not None and keys[0] == keys[1]:
            entry.refuse("target", "A configuration item cannot be related to itself.")
        result.relationships.append(entry)
        ends.append((entry, keys[0], keys[1]))
        wanted.update(key for key in keys if key is not None)
    recorded = existing_cis(wanted)
    for entry, source_key, target_key in ends:
        for end, key in (("source", source_key), ("target", target_key)):
            if key is None:
                continue
            item = items.get(key)
            found: ItemPlan | ConfigurationItem | None
            if item is not None and item.outcome == ERROR:
                entry.refuse(end, f"{item.class_name} “{item.name}” is refused in this import.")
                continue
            found = item if item is not None and item.outcome == CREATE else recorded.get(key)
            if found is None:
                class_name, name = entry.source if end == "source" else entry.target
                entry.refuse(end, f"No {class_name.lower()} named “{name}” in the CMDB or this import.")
            setattr(entry, f"{end}_item", found)
        if entry.outcome != ERROR:
            entry.outcome = CREATE
    recorded_pairs = recorded_relationships([entry for entry, _source, _target in ends if entry.outcome == CREATE])
    seen: set[tuple[tuple[str, int], tuple[str, int], str]] = set()
    for entry, _source, _target in ends:
        if entry.outcome == CREATE:
            pair = (end_key(entry.source_item), end_key(entry.target_item), entry.kind)
            if pair in recorded_pairs or pair in seen:
                entry.outcome = UNCHANGED
            seen.add(pair)


def end_key(end: ItemPlan | ConfigurationItem | None) -> tuple[str, int]:
    """An end of a relationship: a recorded CI by its id, an item to create by its place in the import."""
    if isinstance(end, ItemPlan):
        return ("new", end.index)
    return ("ci", end.pk if end is not None else 0)


def recorded_relationships(entries: Sequence[RelationshipPlan]) -> set[tuple[tuple[str, int], tuple[str, int], str]]:
    """Which of the relationships between recorded CIs are recorded already (a query per LOOKUP_CHUNK)."""
    pairs = sorted({(entry.source_item.pk, entry.target_item.pk, entry.kind) for entry in entries
                    if isinstance(entry.source_item, ConfigurationItem)
                    and isinstance(entry.target_item, ConfigurationItem)})
    found: set[tuple[tuple[str, int], tuple[str, int], str]] = set()
    for start in range(0, len(pairs), LOOKUP_CHUNK):
        query = Q()
        for source_id, target_id, kind in pairs[start:start + LOOKUP_CHUNK]:
            query |= Q(source_id=source_id, target_id=target_id, kind=kind)
        found.update((("ci", source_id), ("ci", target_id), kind) for source_id, target_id, kind
                     in Relationship.objects.filter(query).values_list("source_id", "target_id", "kind"))
    return found


# --- applying a plan -----------------------------------------------------------------------------------------------

def apply(result: Plan, actor: Any, *, valid_only: bool = False,
          progress: Callable[[int], None] | None = None) -> Plan:
    """Write the plan through the CMDB's services, in one transaction: nothing when it has an error (unless
    `valid_only`: the valid items and relationships, the others refused). Sets `applied`. `progress`, if given, is
    told how many items and relationships have been walked, every PROGRESS_EVERY."""
    if result.has_errors and not valid_only:
        return result
    services.require_edit(actor)
    walked = 0

    def step() -> None:
        nonlocal walked
        walked += 1
        if progress is not None and walked % PROGRESS_EVERY == 0:
            progress(walked)

    with transaction.atomic():
        for item in result.items:
            step()
            if item.outcome == CREATE:
                try:
                    item.ci = services.create_ci(actor, item.data, services=item.services)
                except ValidationError as exc:  # a race (someone created it meanwhile): refused, in words
                    refuse_from(item, exc)
            elif item.outcome == UPDATE and item.ci is not None:
                try:
                    item.ci = services.update_ci(item.ci, actor, item.data, services=item.services)
                except ValidationError as exc:
                    refuse_from(item, exc)
        for relationship in result.relationships:
            step()
            if relationship.outcome != CREATE:
                continue
            source, target = (end.ci if isinstance(end, ItemPlan) else end
                              for end in (relationship.source_item, relationship.target_item))
            if source is None or target is None:
                relationship.refuse("source" if source is None else "target", "Its configuration item was refused.")
                continue
            try:
                services.relate(source, target, relationship.kind, actor)
            except ValidationError as exc:
                relationship.refuse("target", " ".join(exc.messages))
        if result.has_errors and not valid_only:
            transaction.set_rollback(True)
            return result
    result.applied = True
    return result


def refuse_from(item: ItemPlan, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            item.refuse(key, messages)
    else:
        item.refuse("name", exc.messages)


def run_csv(text: str, actor: Any, *, commit: bool = False, valid_only: bool = False,
            progress: Callable[[int], None] | None = None) -> Plan:
    """Plan (and with `commit`, apply) a CSV file's text: its problems are named by line and column."""
    parsed = parse_csv(text)
    result = plan(parsed.items, parsed.relationships, lines=parsed.lines, attribute_path=ATTRIBUTE_PREFIX)
    return apply(result, actor, valid_only=valid_only, progress=progress) if commit else result
