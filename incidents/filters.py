"""The one FilterSet of incidents, shared by the agent queue pages and the API list, and the saved queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import django_filters

from core import clock
from core.filters import StrictBooleanFilter
from core.ticket_filters import DEFAULT_ORDERING, TicketFilter, parse_ordering  # noqa: F401  (queues read it here)
from incidents.choices import State
from incidents.models import Category, Incident
from sla.filters import SlaFilters

# How far ahead the "Breaching soon" queue looks (overdue open tickets are in it too).
BREACHING_SOON = timedelta(hours=2)
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


@dataclass(frozen=True)
class Queue:
    """A saved filter of the agent workspace: a name and the filter parameters it applies."""

    slug: str
    label: str
    description: str

    def params(self, user) -> dict[str, list[str]]:
        if self.slug == "mine":
            return {"assignee": [str(user.pk)], "active": ["true"]}
        if self.slug == "my-teams":
            return {"team": [str(t) for t in user.teams.values_list("pk", flat=True)] or ["0"],
                    "unassigned": ["true"], "active": ["true"]}
        if self.slug == "open":
            return {"active": ["true"]}
        if self.slug == "breaching":
            return {"active": ["true"], "sla_due_before": [(clock.now() + BREACHING_SOON).isoformat()]}
        return {}

    @property
    def default_ordering(self) -> list[str]:
        if self.slug == "breaching":
            return ["sla_due_at"]
        return ["-updated_at"] if self.slug == "recent" else DEFAULT_ORDERING


QUEUES = [
    Queue("mine", "Assigned to me", "Open incidents assigned to you."),
    Queue("my-teams", "My teams - unassigned", "Open incidents of your teams that nobody has taken yet."),
    Queue("open", "All open", "Every open incident you can see."),
    Queue("recent", "Recently updated", "Everything you can see, most recently updated first."),
    Queue("breaching", "Breaching soon", "Open incidents whose SLA is due within 2 hours, or already overdue."),
]
QUEUES_BY_SLUG = {q.slug: q for q in QUEUES}
