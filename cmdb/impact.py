"""Impact analysis over the CMDB graph, in one recursive SQL query each (cycle-safe, depth-bounded).

Every relationship points from a CI to what it depends on (runs on, depends on, connects to, hosted by, part of).
So:
- `affected(ci)`: what is affected if `ci` fails: the CIs that depend on it, directly or through others (the
  arrows walked backwards), each at its shortest distance;
- `dependencies(ci)`: what `ci` depends on (the arrows walked forwards), e.g. everything a business service needs.

The recursive query keeps (CI, depth) pairs with UNION, so a cycle or a diamond adds each CI at most once per level
and the walk stops at `depth`; the shortest distance is the least depth a CI was reached at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from cmdb.models import ConfigurationItem

MAX_DEPTH = 10
DEFAULT_DEPTH = 5

WALK = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT %(start)s::bigint, 0
  UNION
    SELECT r.{next}, w.depth + 1
    FROM walk w JOIN cmdb_relationship r ON r.{this} = w.id
    WHERE w.depth < %(depth)s
)
SELECT id, min(depth) FROM walk WHERE id <> %(start)s GROUP BY id
"""


@dataclass
class Impact:
    """The CIs reached from one CI (`depth_of`: id -> shortest distance), in a direction, up to `depth`."""

    ci: ConfigurationItem
    direction: str  # "affected" or "dependencies"
    depth: int
    depth_of: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.depth_of)

    def by_depth(self) -> dict[int, int]:
        """How many CIs at each distance (1: directly)."""
        counts: dict[int, int] = {}
        for level in self.depth_of.values():
            counts[level] = counts.get(level, 0) + 1
        return dict(sorted(counts.items()))

    def items(self, limit: int | None = None) -> list[Any]:
        """The CIs reached, nearest first then by name, each with its `distance` (one query)."""
        ids = sorted(self.depth_of, key=lambda pk: self.depth_of[pk])
        rows = {ci.pk: ci for ci in ConfigurationItem.objects.filter(pk__in=ids).select_related("ci_class")}
        found = sorted((rows[pk] for pk in ids if pk in rows), key=lambda ci: (self.depth_of[ci.pk], ci.name))
        for ci in found:
            setattr(ci, "distance", self.depth_of[ci.pk])  # noqa: B010  (for the page)
        return found[:limit] if limit is not None else found

    def services(self) -> list[Any]:
        """The catalog services the CI and the CIs reached support (one query)."""
        from catalog.models import Service

        ids = [self.ci.pk, *self.depth_of]
        return list(Service.objects.filter(cis__in=ids).distinct().order_by("name"))

    def at_risk(self) -> list[str]:
        """What people call the services at risk: the business services reached, then the catalog services
        supported, each name once."""
        return unique_names([*(ci.name for ci in self.business_services()), *(s.name for s in self.services())])

    def business_services(self) -> list[Any]:
        """The CIs reached that are business services (their class says so)."""
        return [ci for ci in self.items() if ci.ci_class.is_service]


def unique_names(names: Any) -> list[str]:
    """`names` in order, each once whatever its case."""
    seen: set[str] = set()
    out = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def walk(ci_id: int, *, backwards: bool, depth: int) -> dict[int, int]:
    """The CIs reached from `ci_id` (backwards: against the arrows) within `depth` steps, with their distance."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    sql = WALK.format(next="source_id" if backwards else "target_id", this="target_id" if backwards else "source_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": ci_id, "depth": depth})
        return {pk: level for pk, level in cursor.fetchall()}


def affected(ci: ConfigurationItem, depth: int = DEFAULT_DEPTH) -> Impact:
    """What is affected if `ci` fails."""
    return Impact(ci, "affected", depth, walk(ci.pk, backwards=True, depth=depth))


def dependencies(ci: ConfigurationItem, depth: int = DEFAULT_DEPTH) -> Impact:
    """What `ci` depends on."""
    return Impact(ci, "dependencies", depth, walk(ci.pk, backwards=False, depth=depth))
