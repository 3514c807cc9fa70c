"""The filters every ticket kind's list has (agent queues and the API), whatever the kind.

A kind's FilterSet subclasses `TicketFilter` (with `sla.filters.SlaFilters` for the SLA filters), declares its
`state` filter from its own states and adds its own fields; `number_prefix` makes a number typed in the text
search match exactly (INC0001234, PRB0001001).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

import django_filters
from django.contrib.postgres.search import SearchQuery
from django.db import models
from django.db.models import Q, QuerySet

from accounts.models import Team, User
from accounts.roles import Role
from core.filters import (
    InstantFilter,
    PersonChoiceFilter,
    PersonMultipleChoiceFilter,
    ScopedFilterSet,
    StrictBooleanFilter,
)
from core.limits import SEARCH_QUERY_MAX_LENGTH
from core.models import Priority, Ticket

# catalog.Service, without importing the app
Service = cast("type[models.Model]", Ticket._meta.get_field("service").related_model)

# ?ordering= values of every ticket list (queue pages and API); end users do not see the SLA due time (it is
# the nearest due time of every timer, the desk's OLAs included).
ORDERING_FIELDS = ["priority", "updated_at", "opened_at", "number", "state", "sla_due_at"]
END_USER_ORDERING_FIELDS = [f for f in ORDERING_FIELDS if f != "sla_due_at"]
DEFAULT_ORDERING = ["priority", "-updated_at"]


class TicketFilter(ScopedFilterSet):
    """Priority, people, team, service, open or not, times and text; `scope` keeps an end user's person filters
    among the people of the tickets they can see."""

    number_prefix: ClassVar[str] = ""

    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    team = django_filters.ModelMultipleChoiceFilter(queryset=Team.objects.all(), distinct=False,
                                                    null_label="No assignment group", label="Assignment group")
    assignee = PersonMultipleChoiceFilter(
        queryset=User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN]).order_by(
            "first_name", "last_name", "username"),
        distinct=False, label="Assigned to",
    )
    unassigned = StrictBooleanFilter(field_name="assignee", lookup_expr="isnull", label="Unassigned")
    service = django_filters.ModelMultipleChoiceFilter(queryset=Service._default_manager.all(), distinct=False,
                                                       null_label="No service")
    requester = PersonChoiceFilter(queryset=User.objects.all(), label="Caller")
    active = StrictBooleanFilter(label="Open")
    opened_after = InstantFilter(field_name="opened_at", lookup_expr="gte", label="Opened from")
    opened_before = InstantFilter(field_name="opened_at", lookup_expr="lt", label="Opened before")
    updated_after = InstantFilter(field_name="updated_at", lookup_expr="gte", label="Updated from")
    sla_due_before = InstantFilter(field_name="sla_due_at", lookup_expr="lte", label="SLA due before")
    q = django_filters.CharFilter(method="filter_text", label="Text", max_length=SEARCH_QUERY_MAX_LENGTH)
    responded_after = InstantFilter(field_name="responded_at", lookup_expr="gte", label="First response from")
    responded_before = InstantFilter(field_name="responded_at", lookup_expr="lt", label="First response before")
    resolved_after = InstantFilter(field_name="resolved_at", lookup_expr="gte", label="Resolved from")
    resolved_before = InstantFilter(field_name="resolved_at", lookup_expr="lt", label="Resolved before")

    def scope(self, user: Any) -> None:
        """End users choose requesters and assignees among the people of the tickets they can see (or themselves).

        Narrowed only when the parameter is given: the access rule costs a query, the unused filter none.
        """
        if self.desk:
            return
        model = self._meta.model
        for name, column in (("requester", "requester_id"), ("assignee", "assignee_id")):
            if name not in self.filters or not (self.data or {}).get(name):
                continue
            visible = model.objects.visible_to(user).filter(**{f"{column}__isnull": False}).values(column)
            self.filters[name].queryset = self.filters[name].queryset.filter(Q(pk__in=visible) | Q(pk=user.pk))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A number (INC0001234) matches exactly; anything else is a full-text search of title and description."""
        value = value.strip()
        if not value:
            return queryset
        if self.number_prefix and re.match(rf"^{self.number_prefix}\d{{4,}}$", value, re.IGNORECASE):
            return queryset.filter(number=value.upper())
        return queryset.filter(Q(search=SearchQuery(value, config="english", search_type="websearch")))


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
