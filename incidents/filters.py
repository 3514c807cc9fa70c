"""The one FilterSet of incidents, shared by the agent queue pages and the API list, and the saved queues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Team, User
from accounts.roles import Role
from catalog.models import Service
from core import clock
from core.filters import (
    InstantFilter,
    PersonChoiceFilter,
    PersonMultipleChoiceFilter,
    ScopedFilterSet,
    StrictBooleanFilter,
)
from core.limits import SEARCH_QUERY_MAX_LENGTH
from core.models import Priority
from incidents.choices import State
from incidents.models import Category, Incident
from sla.filters import END_USER_TIMERS
from sla.models import SlaDefinition, SlaTimer, Stage, Target
from sla.report import AT_RISK

NUMBER_RE = re.compile(r"^\s*INC\d{4,}\s*$", re.IGNORECASE)

# ?ordering= values accepted by the UI and the API (the API's StrictOrderingFilter uses the same list).
ORDERING_FIELDS = ["priority", "updated_at", "opened_at", "number", "state", "sla_due_at"]
# End users do not see the SLA due time (it is the nearest due time of every timer, the desk's OLAs included).
END_USER_ORDERING_FIELDS = [f for f in ORDERING_FIELDS if f != "sla_due_at"]
# How far ahead the "Breaching soon" queue looks (overdue open tickets are in it too).
BREACHING_SOON = timedelta(hours=2)
DEFAULT_ORDERING = ["priority", "-updated_at"]
# The filters end users may use: on the fields their serializers and pages show them (not `major`, `channel`,
# the SLA due time or first response of the desk, nor SLA definition ids, at-risk warnings or stop times).
END_USER_FILTERS = frozenset({
    "state", "priority", "team", "assignee", "unassigned", "service", "category", "requester", "active",
    "opened_after", "opened_before", "updated_after", "resolved_after", "resolved_before", "q",
    "sla_target", "sla_stage", "sla_breached", "sla_breached_after", "sla_breached_before",
})


class IncidentFilter(ScopedFilterSet):
    """The incident filters of the agent queue and the API list, for one caller (`request=` or `user=`).

    End users keep only the filters on what they see (END_USER_FILTERS); their person filters choose among the
    people of the tickets they can see, and their SLA filters read only the SLA-type, not cancelled timers that
    their ticket page shows (never the desk's OLAs or underpinning contracts).
    """

    end_user_filters = END_USER_FILTERS

    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    team = django_filters.ModelMultipleChoiceFilter(queryset=Team.objects.all(), distinct=False,
                                                    null_label="No assignment group", label="Assignment group")
    assignee = PersonMultipleChoiceFilter(
        queryset=User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN]).order_by(
            "first_name", "last_name", "username"),
        distinct=False, label="Assigned to",
    )
    unassigned = StrictBooleanFilter(field_name="assignee", lookup_expr="isnull", label="Unassigned")
    service = django_filters.ModelMultipleChoiceFilter(queryset=Service.objects.all(), distinct=False,
                                                       null_label="No service")
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.filter(parent__isnull=True), distinct=False
    )
    requester = PersonChoiceFilter(queryset=User.objects.all(), label="Caller")
    active = StrictBooleanFilter(label="Open")
    major = StrictBooleanFilter(label="Major incident")
    opened_after = InstantFilter(field_name="opened_at", lookup_expr="gte", label="Opened from")
    opened_before = InstantFilter(field_name="opened_at", lookup_expr="lt", label="Opened before")
    updated_after = InstantFilter(field_name="updated_at", lookup_expr="gte", label="Updated from")
    sla_due_before = InstantFilter(field_name="sla_due_at", lookup_expr="lte",
                                                      label="SLA due before")
    q = django_filters.CharFilter(method="filter_text", label="Text", max_length=SEARCH_QUERY_MAX_LENGTH)
    # The SLA dashboard's drill-downs (sla.views): ticket times, and SLA filters that together describe ONE
    # timer the incident must have (see filter_queryset): `sla_stage=breached&sla_stopped_after=...` means
    # "a timer that breached and stopped after ...", not two different timers.
    responded_after = InstantFilter(field_name="responded_at", lookup_expr="gte", label="First response from")
    responded_before = InstantFilter(field_name="responded_at", lookup_expr="lt", label="First response before")
    resolved_after = InstantFilter(field_name="resolved_at", lookup_expr="gte", label="Resolved from")
    resolved_before = InstantFilter(field_name="resolved_at", lookup_expr="lt", label="Resolved before")
    sla_definition = django_filters.ModelMultipleChoiceFilter(
        queryset=SlaDefinition.objects.all(), method="filter_sla", label="SLA definition",
        field_name="sla_timers__definition",  # for the API schema only: filter_sla ignores it
    )
    sla_target = django_filters.MultipleChoiceFilter(choices=Target.choices, method="filter_sla", label="SLA target")
    sla_stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, method="filter_sla", label="SLA stage")
    sla_breached = StrictBooleanFilter(method="filter_sla", label="SLA breached")
    sla_at_risk = StrictBooleanFilter(
        method="filter_sla", label="SLA at risk (past its last warning, not breached yet)"
    )
    sla_stopped_after = InstantFilter(method="filter_sla", label="SLA stopped from")
    sla_stopped_before = InstantFilter(method="filter_sla", label="SLA stopped before")
    sla_breached_after = InstantFilter(method="filter_sla", label="SLA breached from")
    sla_breached_before = InstantFilter(method="filter_sla", label="SLA breached before")

    class Meta:
        model = Incident
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "category", "requester",
                  "active", "major", "opened_after", "opened_before", "updated_after", "q"]

    def scope(self, user) -> None:
        """End users choose requesters and assignees among the people of the tickets they can see (or themselves).

        Narrowed only when the parameter is given: the access rule costs a query, the unused filter none.
        """
        if self.desk:
            return
        for name, column in (("requester", "requester_id"), ("assignee", "assignee_id")):
            if not (self.data or {}).get(name):
                continue
            visible = Incident.objects.visible_to(user).filter(**{f"{column}__isnull": False}).values(column)
            self.filters[name].queryset = self.filters[name].queryset.filter(Q(pk__in=visible) | Q(pk=user.pk))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A number (INC0001234) matches exactly; anything else is a full-text search of title and description."""
        value = value.strip()
        if not value:
            return queryset
        if NUMBER_RE.match(value):
            return queryset.filter(number=value.strip().upper())
        return queryset.filter(Q(search=SearchQuery(value, config="english", search_type="websearch")))

    def filter_sla(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """The SLA filters are applied together in `filter_queryset` (one EXISTS over the timers)."""
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The other filters, then one EXISTS subquery on sla.SlaTimer for all the SLA filters at once.

        EXISTS neither joins nor multiplies rows (no DISTINCT needed) and uses the timers' (ticket, ...) index.
        """
        queryset = super().filter_queryset(queryset)
        condition = sla_timer_condition(self.form.cleaned_data)
        if condition is not None:
            if not self.desk:
                condition &= END_USER_TIMERS
            queryset = queryset.filter(Exists(SlaTimer.objects.filter(condition, ticket_id=OuterRef("pk"))))
        return queryset


def sla_timer_condition(data: dict) -> Q | None:
    """The condition on one SLA timer described by the cleaned SLA filter values, or None when none is set."""
    parts: list[Q] = []
    if data.get("sla_definition"):
        parts.append(Q(definition_id__in=[d.pk for d in data["sla_definition"]]))
    if data.get("sla_target"):
        parts.append(Q(definition__target__in=data["sla_target"]))
    if data.get("sla_stage"):
        parts.append(Q(stage__in=data["sla_stage"]))
    if data.get("sla_breached") is not None:
        parts.append(Q(breached=data["sla_breached"]))
    if data.get("sla_at_risk") is not None:
        parts.append(AT_RISK if data["sla_at_risk"] else ~AT_RISK)
    for name, lookup in (("sla_stopped_after", "stopped_at__gte"), ("sla_stopped_before", "stopped_at__lt"),
                         ("sla_breached_after", "breached_at__gte"), ("sla_breached_before", "breached_at__lt")):
        if data.get(name) is not None:
            parts.append(Q(**{lookup: data[name]}))
    if not parts:
        return None
    condition = Q()
    for part in parts:
        condition &= part
    return condition


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
