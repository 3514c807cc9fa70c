"""The dependency graph of a CI: the page (/agent/cmdb/<pk>/graph/: the graph drawn by static/js/cmdb-graph.js with
cytoscape, and the same relationships as a plain list) and its JSON (GET /api/v1/cmdb/graph/<pk>/?depth=N), which
the page fetches to expand a node, level by level. The desk reads the CMDB (`cmdb.read`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cmdb import graph
from cmdb.choices import INVERSE_LABELS, RelationKind
from cmdb.models import ConfigurationItem
from core.api.permissions import role_permission
from core.permissions import permission_required


def depth_of(raw: Any) -> int:
    """The depth asked for (1 to graph.MAX_DEPTH), or the default when it is not a number."""
    try:
        return max(1, min(int(str(raw)), graph.MAX_DEPTH))
    except (TypeError, ValueError):
        return graph.DEFAULT_DEPTH


@permission_required("cmdb.read")
def ci_graph(request: HttpRequest, pk: int) -> HttpResponse:
    ci = get_object_or_404(ConfigurationItem.objects.select_related("ci_class"), pk=pk)
    depth = depth_of(request.GET.get("depth"))
    found = graph.neighbourhood(ci, depth)
    names = {node.pk: node for node in found.nodes}
    kinds = dict(RelationKind.choices)
    rows = [{"source": names[edge.source_id], "target": names[edge.target_id], "label": kinds.get(edge.kind, ""),
             "inverse": INVERSE_LABELS.get(RelationKind(edge.kind), "") if edge.kind in RelationKind.values else ""}
            for edge in found.edges]
    for node in found.nodes:
        node.url = graph.ci_url(node.pk)  # type: ignore[attr-defined]
    return render(request, "cmdb/graph.html", {
        "ci": ci, "ci_url": graph.ci_url(ci.pk), "graph": found, "rows": rows, "depth": depth,
        "depths": range(1, graph.MAX_DEPTH + 1), "legend": found.classes(),
    })


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    class_id = serializers.IntegerField()
    class_name = serializers.CharField()
    colour = serializers.CharField()
    status = serializers.CharField(help_text="Its label.")
    environment = serializers.CharField(help_text="Its label.")
    distance = serializers.IntegerField(help_text="Relationships away from the CI asked for.")
    url = serializers.CharField()
    graph_url = serializers.CharField()


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.IntegerField(help_text="What the source depends on.")
    kind = serializers.CharField()


GraphEdgeSerializer._declared_fields.update(source=serializers.IntegerField(), label=serializers.CharField())


class GraphClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.CharField()


class GraphSerializer(serializers.Serializer):
    ci = serializers.IntegerField()
    depth = serializers.IntegerField()
    capped = serializers.BooleanField(help_text="Whether farther CIs were left out (at most `limit` are shown).")
    message = serializers.CharField()
    total = serializers.IntegerField(help_text="How many CIs are within the depth.")
    limit = serializers.IntegerField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)
    classes = GraphClassSerializer(many=True)


class GraphView(APIView):
    """A CI's dependency graph: the CIs within `depth` relationships of it either way, nearest first (at most
    200), and the relationships among them."""

    permission_classes = [IsAuthenticated, role_permission("cmdb.read")]

    @extend_schema(summary="A configuration item's dependency graph (nodes and edges)",
                   responses={200: GraphSerializer},
                   parameters=[OpenApiParameter("depth", int, description=f"1 to {graph.MAX_DEPTH} (default "
                                                                          f"{graph.DEFAULT_DEPTH}).")])
    def get(self, request: Request, pk: int) -> Response:
        ci = ConfigurationItem.objects.select_related("ci_class").filter(pk=pk).first()
        if ci is None:
            raise NotFound("No such configuration item.")
        raw = request.query_params.get("depth")
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= graph.MAX_DEPTH):
            raise serializers.ValidationError({"depth": [f"A number from 1 to {graph.MAX_DEPTH}."]})
        return Response(graph.neighbourhood(ci, depth_of(raw)).as_json())
