"""The one FilterSet of changes, shared by the agent queue and the API list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef

from accounts.models import User
from accounts.roles import Role
from changes.choices import ChangeType, Risk, State
from changes.models import Change
from core.filters import InstantFilter, PersonChoiceFilter, StrictBooleanFilter
from core.models import LinkKind, TicketKind, TicketLink
from core.ticket_filters import TicketFilter
from sla.filters import SlaFilters


class ChangeFilter(SlaFilters, TicketFilter):
    """The change filters of the agent queue and the API list: state, type, risk, the planned window."""

    number_prefix = "CHG"
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    change_type = django_filters.MultipleChoiceFilter(choices=ChangeType.choices, distinct=False, label="Type")
    risk = django_filters.MultipleChoiceFilter(choices=Risk.choices, distinct=False)
    change_manager = PersonChoiceFilter(queryset=User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN]),
                                        label="Change manager")
    caused_incidents = StrictBooleanFilter(method="filter_caused_incidents", label="Caused incidents",
                                                    help_text="true: changes that incidents are marked as caused by.")
    planned_after = InstantFilter(field_name="planned_end", lookup_expr="gt", label="Planned to end after")
    planned_before = InstantFilter(field_name="planned_start", lookup_expr="lt", label="Planned to start before")

    class Meta:
        model = Change
        fields = ["state", "change_type", "risk", "priority", "team", "assignee", "unassigned", "service",
                  "change_manager", "active", "planned_after", "planned_before", "caused_incidents", "q"]

    def filter_caused_incidents(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        caused = Exists(TicketLink.objects.filter(target_id=OuterRef("pk"), kind=LinkKind.CAUSED_BY,
                                                  source__kind=TicketKind.INCIDENT))
        return queryset.filter(caused) if value else queryset.exclude(caused)
