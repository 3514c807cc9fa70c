"""The CMDB's import API for discovery tools: POST /api/v1/cmdb/import/ (the desk: `cmdb.edit`); and the data of
the dependency graph page, GET /api/v1/cmdb/graph/<pk>/ (cmdb.graph_views).

{"items": [{"name", "class", "status", ..., "attributes": {...}, "services": [...]}],
 "relationships": [{"source": {"class", "name"}, "kind", "target": {"class", "name"}}],
 "dry_run": false, "valid_only": false}

Each item is created or updated (by class and name, case-insensitive; only the fields that differ, each change in
the CI's history) or left unchanged: sending the same items twice changes nothing. The answer names each item's
and relationship's outcome, with counts. Any problem answers 400 with the path of each bad field
(`{"items[3].environment": ["Choose one of ..."]}`) and imports nothing, unless `valid_only` (then the valid ones
are imported and the others are answered "error" with their problems). `dry_run` answers the same, writing
nothing. See cmdb.imports.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cmdb import imports
from cmdb.choices import CIStatus, Environment, RelationKind
from cmdb.graph_views import GraphView
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin, inline_choice_field


class ImportItemSerializer(serializers.Serializer):
    """A configuration item to create or update (documentation: the import checks each item itself, naming each
    bad field by its path)."""

    name = serializers.CharField(max_length=200)
    # "class" is a Python keyword: the field is added below
    status = serializers.CharField(required=False, help_text="A value or label: " + ", ".join(
        f"{value} ({label})" for value, label in CIStatus.choices))
    environment = serializers.CharField(required=False, help_text="A value or label: " + ", ".join(
        f"{value} ({label})" for value, label in Environment.choices))
    owner_team = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                       help_text="A team's slug or name; empty clears it.")
    support_team = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                         help_text="A team's slug or name; empty clears it.")
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    asset_tag = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    services = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="The services it supports (slugs or names): all of them.")
    attributes = serializers.DictField(required=False, help_text="The class's attributes by name (a left-out one "
                                                                 "keeps its value, an empty one clears it).")


ImportItemSerializer._declared_fields["class"] = serializers.CharField(help_text="A CI class's slug or name.")


class CIKeySerializer(serializers.Serializer):
    """A configuration item by its natural key."""

    name = serializers.CharField()


CIKeySerializer._declared_fields["class"] = serializers.CharField(help_text="A CI class's slug or name.")


class ImportRelationshipSerializer(serializers.Serializer):
    """A relationship: the source depends on the target (runs on, depends on, ...)."""

    kind = serializers.CharField(help_text="A value or label: " + ", ".join(
        f"{value} ({label})" for value, label in RelationKind.choices))
    target = CIKeySerializer()


ImportRelationshipSerializer._declared_fields["source"] = CIKeySerializer()


class ImportRequestSerializer(StrictInputMixin, serializers.Serializer):
    items = serializers.ListField(child=serializers.JSONField(), required=False, max_length=imports.MAX_ROWS,
                                  help_text=f"At most {imports.MAX_ROWS:,} configuration items.")
    relationships = serializers.ListField(child=serializers.JSONField(), required=False,
                                          max_length=imports.MAX_RELATIONSHIPS,
                                          help_text=f"At most {imports.MAX_RELATIONSHIPS:,} relationships.")
    dry_run = serializers.BooleanField(default=False, help_text="Answer what would happen; write nothing.")
    valid_only = serializers.BooleanField(default=False, help_text="Import the valid items and relationships even "
                                                                   "when others are refused (answered 200).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("items") and not attrs.get("relationships"):
            raise serializers.ValidationError({"items": ["Send items, relationships or both."]})
        return attrs


class ImportRequestDocSerializer(ImportRequestSerializer):
    """The import request as documented (the items' and relationships' shapes)."""

    items = ImportItemSerializer(many=True, required=False)  # type: ignore[assignment]
    relationships = ImportRelationshipSerializer(many=True, required=False)  # type: ignore[assignment]


class ImportChangeSerializer(serializers.Serializer):
    """A field an update changes, in words ("field", "label", "old", "new")."""

    old = serializers.CharField()
    new = serializers.CharField()


ImportChangeSerializer._declared_fields.update(field=serializers.CharField(), label=serializers.CharField())


def errors_field() -> serializers.DictField:
    return serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                 help_text="The problems by path (items[3].environment).")


class ItemOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    ci_class = serializers.CharField()
    outcome = inline_choice_field([(key, imports.OUTCOME_LABELS[key]) for key in
                                   (imports.CREATE, imports.UPDATE, imports.UNCHANGED, imports.ERROR)])
    id = serializers.IntegerField(allow_null=True, help_text="The CI (null when it is not recorded).")
    changes = ImportChangeSerializer(many=True)


ItemOutcomeSerializer._declared_fields["errors"] = errors_field()


class RelationshipOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    kind = serializers.CharField()
    target = serializers.DictField(child=serializers.CharField())
    outcome = inline_choice_field([(key, imports.OUTCOME_LABELS[key]) for key in
                                   (imports.CREATE, imports.UNCHANGED, imports.ERROR)])


RelationshipOutcomeSerializer._declared_fields.update(source=serializers.DictField(child=serializers.CharField()),
                                                      errors=errors_field())


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="Whether anything was written (false on a dry run).")
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Items: created, updated, unchanged, error.")
    relationship_counts = serializers.DictField(child=serializers.IntegerField(),
                                                help_text="Relationships: created, unchanged, error.")
    items = ItemOutcomeSerializer(many=True)
    relationships = RelationshipOutcomeSerializer(many=True)


def problems_of(entry: imports.ItemPlan | imports.RelationshipPlan, prefix: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in entry.problems:
        found.setdefault(f"{prefix}[{entry.index}].{problem.field}", []).append(problem.message)
    return found


def outcome_data(plan: imports.Plan, *, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "applied": plan.applied,
        "counts": plan.counts(),
        "relationship_counts": plan.relationship_counts(),
        "items": [{"index": item.index, "name": item.name, "ci_class": item.class_name, "outcome": item.outcome,
                   "id": item.ci.pk if item.ci is not None else None,
                   "changes": [{"field": change.field, "label": change.label, "old": change.old, "new": change.new}
                               for change in item.changes],
                   "errors": problems_of(item, "items")} for item in plan.items],
        "relationships": [{"index": entry.index, "source": {"class": entry.source[0], "name": entry.source[1]},
                           "kind": entry.kind, "target": {"class": entry.target[0], "name": entry.target[1]},
                           "outcome": entry.outcome, "errors": problems_of(entry, "relationships")}
                          for entry in plan.relationships],
    }


class ImportView(APIView):
    """Create or update configuration items and relationships in bulk (discovery tools), idempotently."""

    permission_classes = [IsAuthenticated, role_permission("cmdb.edit")]

    @extend_schema(
        summary="Import configuration items and relationships (idempotent upsert by class and name)",
        request=ImportRequestDocSerializer, responses={200: ImportResultSerializer},
        examples=[OpenApiExample("Two servers and an application on one of them", request_only=True, value={
            "items": [{"name": "web01", "class": "server", "environment": "Production",
                       "attributes": {"cpus": 8}, "services": ["email"]},
                      {"name": "payroll", "class": "Application"}],
            "relationships": [{"source": {"class": "application", "name": "payroll"}, "kind": "runs_on",
                               "target": {"class": "server", "name": "web01"}}],
            "dry_run": True})])
    def post(self, request: Request) -> Response:
        query = ImportRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        plan = imports.plan(data.get("items") or [], data.get("relationships") or [])
        if plan.has_errors and not data["valid_only"]:
            errors: dict[str, list[str]] = {}
            for where, message in plan.errors(paths=True):
                errors.setdefault(where, []).append(message)
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        if not data["dry_run"]:
            imports.apply(plan, request.user, valid_only=data["valid_only"])
        return Response(outcome_data(plan, dry_run=data["dry_run"]))


urlpatterns: list[URLPattern] = [
    path("cmdb/import/", ImportView.as_view(), name="api-cmdb-import"),
    path("cmdb/graph/<int:pk>/", GraphView.as_view(), name="api-cmdb-graph"),  # the graph page's data
]
