"""The one FilterSet of problems, shared by the agent queue, the known-error database and the API list."""

from __future__ import annotations

import django_filters

from core.filters import StrictBooleanFilter
from core.ticket_filters import TicketFilter
from incidents.models import Category
from problems.choices import State
from problems.models import Problem
from sla.filters import SlaFilters


class ProblemFilter(SlaFilters, TicketFilter):
    """The problem filters of the agent queue and the API list."""

    number_prefix = "PRB"
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    category = django_filters.ModelMultipleChoiceFilter(queryset=Category.objects.filter(parent__isnull=True),
                                                        distinct=False)
    known_error = StrictBooleanFilter(label="Known error")

    class Meta:
        model = Problem
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "category", "active",
                  "known_error", "q"]
