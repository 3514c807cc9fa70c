"""The one FilterSet of incidents, shared by the agent queue pages and the API list."""

from __future__ import annotations

import django_filters

from core.filters import StrictBooleanFilter
from core.ticket_filters import DEFAULT_ORDERING, TicketFilter, parse_ordering  # noqa: F401  (queues read it here)
from incidents.choices import State
from incidents.models import Category, Incident
from sla.filters import SlaFilters

# The filters end users may use: on the fields their serializers and pages show them (not `major`, `channel`,
# the SLA due time or first response of the desk, nor SLA definition ids, at-risk warnings or stop times).
END_USER_FILTERS = frozenset({
    "state", "priority", "team", "assignee", "unassigned", "service", "category", "requester", "active",
    "opened_after", "opened_before", "updated_after", "resolved_after", "resolved_before", "q",
    "sla_target", "sla_stage", "sla_breached", "sla_breached_after", "sla_breached_before",
})


class IncidentFilter(SlaFilters, TicketFilter):
    """The incident filters of the agent queue and the API list, for one caller (`request=` or `user=`).

    End users keep only the filters on what they see (END_USER_FILTERS); their person filters choose among the
    people of the tickets they can see, and their SLA filters read only the SLA-type, not cancelled timers that
    their ticket page shows (never the desk's OLAs or underpinning contracts).
    """

    end_user_filters = END_USER_FILTERS
    number_prefix = "INC"

    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.filter(parent__isnull=True), distinct=False
    )
    major = StrictBooleanFilter(label="Major incident")

    class Meta:
        model = Incident
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "category", "requester",
                  "active", "major", "opened_after", "opened_before", "updated_after", "q"]
