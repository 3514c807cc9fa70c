"""The one FilterSet of SLA timers, shared by the API list (/api/v1/sla/timers/) and any page that lists timers.

It filters; it never scopes: the caller's queryset already starts from the access rule (sla.api.views).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Team
from core.filters import InstantFilter, ScopedFilterSet, StrictBooleanFilter
from sla.models import AgreementType, SlaDefinition, SlaTimer, Stage, Target
from sla.report import AT_RISK

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


class SlaFilters(ScopedFilterSet):
    """The SLA filters of a ticket list (any kind), mixed into its FilterSet: together they describe ONE timer the
    ticket must have (see filter_queryset): `sla_stage=breached&sla_stopped_after=...` means "a timer that
    breached and stopped after ...", not two different timers. End users' read only END_USER_TIMERS."""

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

    def filter_sla(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
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
