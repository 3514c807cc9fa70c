"""Reading a batch of samples (the API's POST /api/v1/capacity/samples/): each item names its metric by id
(`metric`), or by the configuration item's name (`ci`) or the service's slug or name (`service`) and the metric's
name (`name`), all case-insensitive; `at` is an RFC 3339 time with its offset, `value` a number (not negative).

Every item is checked and every problem named by its path (`samples[3].value`); the metrics are looked up in a
fixed number of queries whatever the batch size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from capacity.models import Metric

MAX_SAMPLES = 5000
MAX_VALUE = 1e15
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class Reading:
    """One valid item: its metric's id, time and value."""

    metric_id: int
    at: datetime
    value: float


@dataclass
class Batch:
    readings: list[Reading] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, index: int, name: str, message: str) -> None:
        self.errors.setdefault(f"samples[{index}].{name}", []).append(message)


def parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def parse_value(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def text(raw: Any) -> str | None:
    return raw.strip() if isinstance(raw, str) and raw.strip() and len(raw) <= 200 else None


def lookup(items: Sequence[Any]) -> tuple[dict[int, int], dict[tuple[str, str, str], list[int]]]:
    """The metrics the items name: ids that exist, and (owner kind, owner name, metric name) -> metric ids."""
    ids = {item["metric"] for item in items if isinstance(item, Mapping) and isinstance(item.get("metric"), int)
           and not isinstance(item.get("metric"), bool) and 0 < item["metric"] < 2**31}
    known = {pk: pk for pk in Metric.objects.filter(pk__in=ids).values_list("pk", flat=True)} if ids else {}
    names: dict[str, set[str]] = {"ci": set(), "service": set()}
    for item in items:
        if isinstance(item, Mapping) and "metric" not in item:
            for kind in names:
                owner = text(item.get(kind))
                if owner:
                    names[kind].add(owner.lower())
    by_name: dict[tuple[str, str, str], list[int]] = {}
    if names["ci"]:
        for pk, owner, name in (Metric.objects.annotate(owner=Lower("ci__name"), lname=Lower("name"))
                                .filter(owner__in=names["ci"]).values_list("pk", "owner", "lname")):
            by_name.setdefault(("ci", owner, name), []).append(pk)
    if names["service"]:
        condition = Q(service__slug__in=names["service"]) | Q(sname__in=names["service"])
        for pk, slug, sname, name in (Metric.objects.annotate(sname=Lower("service__name"), lname=Lower("name"))
                                      .filter(condition).values_list("pk", "service__slug", "sname", "lname")):
            for owner in {slug.lower(), sname}:
                by_name.setdefault(("service", owner, name), []).append(pk)
    return known, by_name


def read(items: Sequence[Any], now: datetime) -> Batch:
    """Check every item; the valid readings and the problems by path."""
    batch = Batch()
    known, by_name = lookup(items)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            batch.error(index, "non_field_errors", "Give an object with metric, at and value.")
            continue
        unknown = set(item) - {"metric", "ci", "service", "name", "at", "value"}
        for name in sorted(unknown):
            batch.error(index, name, "Unknown field.")
        metric_id = resolve(item, index, known, by_name, batch)
        at = parse_time(item.get("at"))
        if "at" not in item:
            batch.error(index, "at", "This field is required.")
        elif at is None:
            batch.error(index, "at", "Give a date and time with its offset, e.g. 2026-12-05T10:00:00Z.")
        elif at > now + FUTURE_TOLERANCE:
            batch.error(index, "at", "This time is in the future.")
        elif at.year < 2000:
            batch.error(index, "at", "This time is too far in the past.")
        value = parse_value(item.get("value"))
        if "value" not in item:
            batch.error(index, "value", "This field is required.")
        elif value is None:
            batch.error(index, "value", "Give a number.")
        elif value < 0 or value > MAX_VALUE:
            batch.error(index, "value", f"Give a number from 0 to {MAX_VALUE:g}.")
        if metric_id is not None and at is not None and value is not None and not any(
                key.startswith(f"samples[{index}].") for key in batch.errors):
            batch.readings.append(Reading(metric_id, at, value))
    return batch


def resolve(item: Mapping[str, Any], index: int, known: dict[int, int],
            by_name: dict[tuple[str, str, str], list[int]], batch: Batch) -> int | None:
    """The metric id an item names, or None (its problem recorded)."""
    if "metric" in item:
        raw = item["metric"]
        if isinstance(raw, bool) or not isinstance(raw, int):
            batch.error(index, "metric", "Give the metric's id (a whole number).")
        elif raw not in known:
            batch.error(index, "metric", f"No capacity metric has the id {raw}.")
        else:
            return raw
        return None
    kinds = [kind for kind in ("ci", "service") if kind in item]
    if len(kinds) != 1:
        batch.error(index, "metric", "Name the metric: its id, or ci (or service) and name.")
        return None
    kind = kinds[0]
    owner, name = text(item.get(kind)), text(item.get("name"))
    if owner is None:
        batch.error(index, kind, "Give a name (at most 200 characters).")
    if name is None:
        batch.error(index, "name", "Give the metric's name (at most 200 characters).")
    if owner is None or name is None:
        return None
    found = by_name.get((kind, owner.lower(), name.lower()), [])
    if not found:
        what = "configuration item" if kind == "ci" else "service"
        batch.error(index, "name", f"The {what} “{owner}” has no capacity metric named “{name}”.")
        return None
    if len(set(found)) > 1:
        batch.error(index, kind, f"Several configuration items are named “{owner}”: give the metric's id.")
        return None
    return found[0]
