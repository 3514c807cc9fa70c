"""The one FilterSet of SLA timers, shared by the API list (/api/v1/sla/timers/) and any page that lists timers.

It filters; it never scopes: the caller's queryset already starts from the access rule (sla.api.views).
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from accounts.models import Team
from sla.models import AgreementType, SlaDefinition, SlaTimer, Stage, Target

# ?ordering= values accepted by the timer list (the API's StableOrderingFilter adds an id tie-breaker)
ORDERING_FIELDS = ["due_at", "started_at", "id"]
DEFAULT_ORDERING = ["due_at", "id"]


class TimerFilter(django_filters.FilterSet):
    """Stage, outcome, the ticket's team, definition, target, agreement type, ticket number and a due window."""

    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False)
    breached = django_filters.BooleanFilter()
    team = django_filters.ModelMultipleChoiceFilter(
        field_name="ticket__team", queryset=Team.objects.all(), distinct=False, label="The ticket's team (id)"
    )
    definition = django_filters.ModelMultipleChoiceFilter(queryset=SlaDefinition.objects.all(), distinct=False)
    target = django_filters.MultipleChoiceFilter(field_name="definition__target", choices=Target.choices,
                                                 distinct=False)
    agreement_type = django_filters.MultipleChoiceFilter(
        field_name="definition__agreement_type", choices=AgreementType.choices, distinct=False
    )
    ticket = django_filters.CharFilter(method="filter_ticket", label="Ticket number (INC0001234)")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = SlaTimer
        fields = ["stage", "breached", "team", "definition", "target", "agreement_type", "ticket", "due_after",
                  "due_before"]

    def filter_ticket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The timers of one ticket, by number (case and surrounding spaces ignored)."""
        value = value.strip().upper()
        return queryset.filter(ticket__number=value) if value else queryset
