"""The one FilterSet of SLA timers, shared by the API list (/api/v1/sla/timers/) and any page that lists timers.

It filters; it never scopes: the caller's queryset already starts from the access rule (sla.api.views).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from accounts.models import Team
from core.filters import InstantFilter, ScopedFilterSet, StrictBooleanFilter
from sla.models import AgreementType, SlaDefinition, SlaTimer, Stage, Target

# ?ordering= values accepted by the timer list (the API's StableOrderingFilter adds an id tie-breaker)
ORDERING_FIELDS = ["due_at", "started_at", "id"]
DEFAULT_ORDERING = ["due_at", "id"]
# The timers end users see on their tickets (and the only ones their SLA filters read): the agreements made with
# them (type SLA), not the desk's OLAs and underpinning contracts, and not the cancelled ones.
END_USER_TIMERS = Q(definition__agreement_type=AgreementType.SLA) & ~Q(stage=Stage.CANCELLED)


class TimerFilter(ScopedFilterSet):
    """Stage, outcome, the ticket's team, definition, target, agreement type, ticket number and a due window.

    For the desk only (the timer list answers 403 to end users): a caller without a desk role gets no filter.
    """

    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False)
    breached = StrictBooleanFilter()
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
    due_after = InstantFilter(field_name="due_at", lookup_expr="gte")
    due_before = InstantFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = SlaTimer
        fields = ["stage", "breached", "team", "definition", "target", "agreement_type", "ticket", "due_after",
                  "due_before"]

    def filter_ticket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The timers of one ticket, by number (case and surrounding spaces ignored)."""
        value = value.strip().upper()
        return queryset.filter(ticket__number=value) if value else queryset
