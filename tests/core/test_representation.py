"""The planned representation of the ticket serializers (core.api.representation) answers exactly what DRF's
Serializer.to_representation answers: every field, nested reference, method field, None, time zone and skipped
field, for incidents and problems, for the desk and for end users."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from core.api.representation import PlannedRepresentationMixin
from incidents.api.serializers import IncidentDetailSerializer, IncidentSerializer
from incidents.models import Incident
from problems import services as problem_services
from problems.api import ProblemDetailSerializer, ProblemSerializer
from problems.models import Problem

pytestmark = pytest.mark.django_db


def drf(serializer: Any, instance: Any) -> dict[str, Any]:
    return dict(serializers.Serializer.to_representation(serializer, instance))


def both(serializer_class: Any, rows: list[Any], context: dict[str, Any]) -> tuple[list, list]:
    planned = serializer_class(rows, many=True, context=context).data
    reference = serializer_class(many=True, context=context)
    return [dict(row) for row in planned], [drf(reference.child, row) for row in rows]


@pytest.fixture
def incidents(requester_a, agent_a, make_incident, category_hardware, subcategory_printer):
    parent = make_incident(requester_a, title="Printer floor 2 down")
    child = make_incident(requester_a, actor=agent_a, title="Cannot print", category=category_hardware.pk,
                          subcategory=subcategory_printer.pk, parent=parent, assignee=agent_a.pk)
    bare = make_incident(requester_a, title="No service", service=None)
    return [parent, child, bare]


@pytest.mark.parametrize("end_user", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_incident_lists_and_details_read_as_drf_reads_them(incidents, agent_a, end_user, zone):
    rows = list(Incident.objects.select_related("requester", "assignee", "parent")
                .kept("team", "service", "category", "subcategory").order_by("id"))
    assert len(rows) == 3 and rows[1].parent_id and rows[2].service_id is None
    with timezone.override(zone):
        for serializer_class in (IncidentSerializer, IncidentDetailSerializer):
            planned, reference = both(serializer_class, rows, {"end_user": end_user})
            assert planned == reference
    if end_user:
        assert "parent" not in planned[1] and "watchers" not in planned[1]
    else:
        assert planned[1]["parent"]["number"] == rows[0].number
        assert planned[1]["category"]["name"] == "Hardware" and planned[2]["service"] is None


def test_problem_lists_and_details_read_as_drf_reads_them(incidents, agent_a):
    problem_services.create_problem(agent_a, {"title": "Print spooler leaks"}, incidents=incidents[:2])
    rows = list(Problem.objects.annotate(incident_count=problem_services.incident_count())
                .select_related("requester", "assignee").kept("team", "service", "category"))
    for serializer_class in (ProblemSerializer, ProblemDetailSerializer):
        planned, reference = both(serializer_class, rows, {"end_user": False})
        assert planned == reference
    assert planned[0]["incident_count"] == 2


def test_a_field_drf_would_skip_is_skipped(incidents, agent_a):
    problem_services.create_problem(agent_a, {"title": "Print spooler leaks"})
    rows = list(Problem.objects.all())  # without its incident_count annotation: DRF leaves the key out
    planned, reference = both(ProblemSerializer, rows, {"end_user": False})
    assert planned == reference and "incident_count" not in planned[0]


def test_a_field_with_its_own_representation_keeps_it():
    class Shouting(serializers.CharField):
        def to_representation(self, value: Any) -> str:
            return str(value).upper()

    class Row(PlannedRepresentationMixin, serializers.Serializer):
        name = Shouting()
        label = serializers.CharField(source="name")
        size = serializers.IntegerField(required=False)
        owner = serializers.CharField(source="owner.name")

    class Owner:
        name = "Ada"

    class Thing:
        name = "printer"
        owner = Owner()

    assert Row(Thing()).data == {"name": "PRINTER", "label": "printer", "owner": "Ada"}


@pytest.mark.parametrize("value", [datetime(2026, 12, 4, 18, 30, 5, 123456), datetime(2026, 12, 4, 18, 30, tzinfo=UTC),
                                   None])
def test_times_read_as_drf_reads_them(value):
    class Row(PlannedRepresentationMixin, serializers.Serializer):
        when = serializers.DateTimeField()
        day_only = serializers.DateTimeField(format="%Y-%m-%d")

    thing = SimpleNamespace(when=value, day_only=value)
    with timezone.override("Asia/Kolkata"):
        assert Row(thing).data == drf(Row(), thing)

