"""A saved queue applies its few filters through a FilterSet narrowed to them (ScopedFilterSet.only): the same
tickets as the whole FilterSet would give, without copying the other filters."""

from __future__ import annotations

import pytest
from django.utils.datastructures import MultiValueDict

from incidents.filters import IncidentFilter
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_a_narrowed_filterset_keeps_only_its_filters_and_is_made_once():
    narrowed = IncidentFilter.only({"active", "assignee"})
    assert set(narrowed.base_filters) == {"active", "assignee"}
    assert IncidentFilter.only(["assignee", "active"]) is narrowed
    assert len(IncidentFilter.base_filters) > 10  # the whole one is untouched


def test_it_selects_what_the_whole_filterset_selects(agent_a, requester_a, make_incident):
    mine = make_incident(requester_a, actor=agent_a, assignee=agent_a.pk)
    make_incident(requester_a)
    closed = make_incident(requester_a, actor=agent_a, assignee=agent_a.pk)
    Incident.objects.filter(pk=closed.pk).update(active=False)
    params = MultiValueDict({"active": ["true"], "assignee": [str(agent_a.pk)]})
    base = Incident.objects.visible_to(agent_a)
    whole = IncidentFilter(params, queryset=base, user=agent_a)
    narrowed = IncidentFilter.only(params)(params, queryset=base, user=agent_a)
    assert whole.is_valid() and narrowed.is_valid()
    assert list(narrowed.qs) == list(whole.qs) == [mine]
