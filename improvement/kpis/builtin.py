"""The KPIs this app computes itself, registered when Django starts (improvement.apps)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from core import kinds
from improvement.kpis import Kpi, practices, register, tickets
from improvement.kpis.periods import bounds
from improvement.kpis.scope import TICKET_KINDS, filters_key

TICKET_FILTERS = ("kind", "team", "service", "priority")
NO_KIND = ("team", "service", "priority")


def drill_page(key: str):
    """The drill page of a KPI: /manager/kpis/<key>/<YYYY-MM>/ with the filters."""
    def url(month: date, **filters: Any) -> str:
        query = filters_key(filters)
        return reverse("kpi-drill", args=[key, f"{month:%Y-%m}"]) + (f"?{query}" if query else "")
    return url


def sla_queue_url(month: date, kind: str = "incident", **filters: Any) -> str:
    """The kind's agent queue, filtered to the tickets of the timers completed in the month (as the SLA
    dashboard's compliance links)."""
    from sla.report import Period
    from sla.views import completed_params, queue_url

    start, end = bounds(month)
    return queue_url(kinds.get(kind), **completed_params(Period(start, end), **filters))


def register_all() -> None:
    register(Kpi(
        key="ttr_mean", label="Mean time to resolve", unit="hours", higher_is_better=False, order=10,
        series=tickets.mean_time_to_resolve, drill_url=drill_page("ttr_mean"), filters=TICKET_FILTERS,
        kinds=TICKET_KINDS,
        description="Mean wall-clock hours from opening to resolution of the tickets resolved in the month "
                    "(a reopened ticket counts in the month of its last resolution)."))
    register(Kpi(
        key="ttr_median", label="Median time to resolve", unit="hours", higher_is_better=False, order=11,
        series=tickets.median_time_to_resolve, drill_url=drill_page("ttr_median"), filters=TICKET_FILTERS,
        kinds=TICKET_KINDS,
        description="Median wall-clock hours from opening to resolution of the tickets resolved in the month: "
                    "half took less, half took more."))
    register(Kpi(
        key="fcr", label="First-contact resolution", unit="%", higher_is_better=True, order=20,
        series=tickets.first_contact_resolution, drill_url=drill_page("fcr"), filters=TICKET_FILTERS,
        kinds=TICKET_KINDS,
        description="Of the tickets resolved in the month, the share resolved by the assignment group that first "
                    "took them, never handed to another group and never reopened."))
    register(Kpi(
        key="reopen_rate", label="Reopen rate", unit="%", higher_is_better=False, order=30,
        series=tickets.reopen_rate, drill_url=drill_page("reopen_rate"), filters=TICKET_FILTERS,
        kinds=TICKET_KINDS,
        description="Of the tickets resolved in the month (by their history), the share moved back to an open "
                    "state after that resolution."))
    register(Kpi(
        key="backlog", label="Open backlog", unit="tickets", higher_is_better=False, order=40, decimals=0,
        series=tickets.backlog, drill_url=drill_page("backlog"), filters=TICKET_FILTERS, kinds=TICKET_KINDS,
        description="Tickets open at the end of the month (opened before it, not resolved or closed by then); "
                    "for the running month, those open now."))
    register(Kpi(
        key="sla_compliance", label="SLA compliance", unit="%", higher_is_better=True, order=50,
        series=practices.sla_compliance, drill_url=sla_queue_url, filters=TICKET_FILTERS, kinds=TICKET_KINDS,
        description="SLA timers completed in the month (met or breached): the share met, as the SLA dashboard "
                    "counts them."))
    register(Kpi(
        key="change_success", label="Change success rate", unit="%", higher_is_better=True, order=60,
        series=practices.change_success_rate, drill_url=drill_page("change_success"), filters=NO_KIND,
        description="Changes closed in the month with an outcome: the share successful (with or without issues), "
                    "not failed or backed out."))
    register(Kpi(
        key="change_incidents", label="Changes causing incidents", unit="%", higher_is_better=False, order=61,
        series=practices.changes_causing_incidents, drill_url=drill_page("change_incidents"), filters=NO_KIND,
        description="Changes closed in the month: the share that at least one incident is marked as caused by."))
    register(Kpi(
        key="deflections", label="Knowledge deflections", unit="answers", higher_is_better=True, order=70,
        decimals=0, series=practices.knowledge_deflections, drill_url=drill_page("deflections"),
        description="Issues an end user marked solved by a suggested article while reporting them: no ticket was "
                    "raised."))
