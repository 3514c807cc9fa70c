"""A CI's dependency graph: the CI, what it depends on and what depends on it, up to a depth, nearest first and
capped, as nodes and edges for the graph page (cytoscape) and its plain list.

Four queries whatever the graph's size: the two recursive walks of cmdb.impact (what the CI depends on, what
depends on it), the CIs shown (with their class), and the relationships between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from cmdb import impact
from cmdb.choices import CIStatus, Environment, RelationKind
from cmdb.models import ConfigurationItem, Relationship

MAX_NODES = 200
DEFAULT_DEPTH = 1
MAX_DEPTH = 5
# colours of the classes (by the class's id), readable with white text and told apart on a white page
PALETTE = ("#0d6efd", "#198754", "#d63384", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#0dcaf0", "#6c757d",
           "#795548")
STATUS = dict(CIStatus.choices)
ENVIRONMENT = dict(Environment.choices)
KIND = dict(RelationKind.choices)


def ci_url(pk: int) -> str:
    """The CI's page."""
    return reverse("agent-ci", args=[pk])


def graph_url(pk: int) -> str:
    return reverse("agent-ci-graph", args=[pk])


def colour(class_id: int) -> str:
    return PALETTE[class_id % len(PALETTE)]


@dataclass
class Graph:
    """The CIs around one (each with its distance) and the relationships between them; `total` is how many were
    reached, `capped` whether some were left out (the farthest)."""

    ci: ConfigurationItem
    depth: int
    nodes: list[ConfigurationItem] = field(default_factory=list)
    edges: list[Relationship] = field(default_factory=list)
    distance: dict[int, int] = field(default_factory=dict)
    total: int = 0
    limit: int = MAX_NODES

    @property
    def capped(self) -> bool:
        return self.total > len(self.nodes)

    @property
    def message(self) -> str:
        if not self.capped:
            return ""
        return (f"Showing the {len(self.nodes)} configuration items nearest to {self.ci.name} of the {self.total} "
                f"within {self.depth} step{'s' if self.depth > 1 else ''}.")

    def classes(self) -> list[dict[str, Any]]:
        """The legend: each class shown, with its colour."""
        seen = {node.ci_class_id: node.ci_class for node in self.nodes}
        return [{"id": pk, "name": ci_class.name, "colour": colour(pk), "index": pk % len(PALETTE)}
                for pk, ci_class in sorted(seen.items(), key=lambda pair: pair[1].name)]

    def as_json(self) -> dict[str, Any]:
        return {
            "ci": self.ci.pk,
            "depth": self.depth,
            "capped": self.capped,
            "message": self.message,
            "total": self.total,
            "limit": self.limit,
            "nodes": [{"id": node.pk, "name": node.name, "class_id": node.ci_class_id,
                       "class_name": node.ci_class.name, "colour": colour(node.ci_class_id),
                       "status": STATUS.get(node.status, ""), "environment": ENVIRONMENT.get(node.environment, ""),
                       "distance": self.distance.get(node.pk, 0), "url": ci_url(node.pk),
                       "graph_url": graph_url(node.pk)} for node in self.nodes],
            "edges": [{"id": edge.pk, "source": edge.source_id, "target": edge.target_id, "kind": edge.kind,
                       "label": KIND.get(edge.kind, edge.kind)} for edge in self.edges],
            "classes": self.classes(),
        }


def neighbourhood(ci: ConfigurationItem, depth: int = DEFAULT_DEPTH, limit: int = MAX_NODES) -> Graph:
    """The CI and the CIs within `depth` relationships of it, either way (what it depends on, what depends on it),
    the nearest `limit` of them (then by name), and the relationships among those shown."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    distance = impact.walk(ci.pk, backwards=False, depth=depth)
    for pk, level in impact.walk(ci.pk, backwards=True, depth=depth).items():
        distance[pk] = min(level, distance.get(pk, level))
    distance[ci.pk] = 0
    graph = Graph(ci=ci, depth=depth, distance=distance, total=len(distance), limit=limit)
    by_level: dict[int, list[int]] = {}
    for pk, level in distance.items():
        by_level.setdefault(level, []).append(pk)
    whole: list[int] = []  # the nearest levels, whole, then the nearest of the level that does not fit, by name
    boundary: list[int] = []
    for level in sorted(by_level):
        if len(whole) + len(by_level[level]) <= limit:
            whole += by_level[level]
        else:
            boundary = by_level[level]
            break
    rows = list(ConfigurationItem.objects.filter(pk__in=whole).select_related("ci_class").order_by("name", "pk"))
    if boundary and len(whole) < limit:
        rows += list(ConfigurationItem.objects.filter(pk__in=boundary).select_related("ci_class")
                     .order_by("name", "pk")[:limit - len(whole)])
    rows.sort(key=lambda row: distance[row.pk])  # stable: nearest first, then by name
    graph.nodes = rows
    shown = [node.pk for node in graph.nodes]
    graph.edges = list(Relationship.objects.filter(source_id__in=shown, target_id__in=shown)
                       .order_by("source_id", "kind", "target_id"))
    return graph
