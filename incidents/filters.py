"""The one FilterSet of incidents, shared by the agent queue pages and the API list, and the saved queues."""

from __future__ import annotations

import re
from dataclasses import dataclass

import django_filters
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet

from accounts.models import Team, User
from accounts.roles import Role
from catalog.models import Service
from core.models import Priority
from incidents.choices import State
from incidents.models import Category, Incident

NUMBER_RE = re.compile(r"^\s*INC\d{4,}\s*$", re.IGNORECASE)

# ?ordering= values accepted by the UI and the API (the API's StrictOrderingFilter uses the same list).
ORDERING_FIELDS = ["priority", "updated_at", "opened_at", "number", "state"]
DEFAULT_ORDERING = ["priority", "-updated_at"]


class IncidentFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    team = django_filters.ModelMultipleChoiceFilter(queryset=Team.objects.all(), distinct=False)
    assignee = django_filters.ModelMultipleChoiceFilter(
        queryset=User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN]), distinct=False
    )
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull", label="Unassigned")
    service = django_filters.ModelMultipleChoiceFilter(queryset=Service.objects.all(), distinct=False)
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.filter(parent__isnull=True), distinct=False
    )
    requester = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    active = django_filters.BooleanFilter(label="Open")
    major = django_filters.BooleanFilter()
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(method="filter_text", label="Text")

    class Meta:
        model = Incident
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "category", "requester",
                  "active", "major", "opened_after", "opened_before", "updated_after", "q"]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A number (INC0001234) matches exactly; anything else is a full-text search of title and description."""
        value = value.strip()
        if not value:
            return queryset
        if NUMBER_RE.match(value):
            return queryset.filter(number=value.strip().upper())
        return queryset.filter(Q(search=SearchQuery(value, config="english", search_type="websearch")))


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
        return {}

    @property
    def default_ordering(self) -> list[str]:
        return ["-updated_at"] if self.slug == "recent" else DEFAULT_ORDERING


QUEUES = [
    Queue("mine", "Assigned to me", "Open incidents assigned to you."),
    Queue("my-teams", "My teams - unassigned", "Open incidents of your teams that nobody has taken yet."),
    Queue("open", "All open", "Every open incident you can see."),
    Queue("recent", "Recently updated", "Everything you can see, most recently updated first."),
]
QUEUES_BY_SLUG = {q.slug: q for q in QUEUES}


def parse_ordering(raw: str | None, default: list[str]) -> list[str]:
    """Validate `?ordering=` against ORDERING_FIELDS; raise ValueError naming the bad field."""
    if not raw:
        return default
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    bad = [f for f in fields if f.lstrip("-") not in ORDERING_FIELDS]
    if bad:
        raise ValueError(f"Unknown ordering field(s): {', '.join(bad)}. Allowed: {', '.join(ORDERING_FIELDS)}.")
    # a stable tie-breaker so pages never overlap
    return [*fields, "-id"] if not any(f.lstrip("-") == "number" for f in fields) else fields
