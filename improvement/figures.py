"""The KPI figures as the dashboard, its CSV and the API present them: each KPI's series with its month labels,
drill-down links, target and red/amber/green status, computed in a bounded number of queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from improvement import kpis, services, snapshots
from improvement.kpis.periods import label
from improvement.models import KpiTarget

SUFFIXED = frozenset({"/ 5"})  # units read after the number; counts ("tickets", "answers") read bare


def targets() -> dict[str, KpiTarget]:
    return {row.kpi: row for row in KpiTarget.objects.select_related("updated_by")}


def display(value: float | None, kpi: kpis.Kpi) -> str:
    """A value as shown on a page: rounded, with its unit ("87.5 %", "12.3 h", "42")."""
    if value is None:
        return "—"
    number = f"{value:,.{kpi.decimals}f}"
    if kpi.unit in SUFFIXED or (len(kpi.unit) == 3 and kpi.unit.isupper()):  # "2.50 / 5", a currency: "26.00 EUR"
        return f"{number} {kpi.unit}"
    return {"%": f"{number} %", "hours": f"{number} h"}.get(kpi.unit, number)


def describe_filters(filters: dict[str, Any]) -> str:
    """The filters in words: "incidents, Network, VPN, 1 - Critical" (kind, team, service and priority labels)."""
    from accounts.models import Team
    from catalog.models import Service
    from core.models import Priority
    from improvement.kpis.scope import ticket_kinds

    words = []
    if filters.get("kind"):
        words.append(dict(ticket_kinds()).get(filters["kind"], filters["kind"]).lower())
    if filters.get("team"):
        words.append(Team.objects.filter(pk=filters["team"]).values_list("name", flat=True).first() or "a team")
    if filters.get("service"):
        words.append(Service.objects.filter(pk=filters["service"]).values_list("name", flat=True).first()
                     or "a service")
    if filters.get("priority") in Priority.values:
        words.append(f"priority {Priority(filters['priority']).label}")
    return ", ".join(words)


def status_label(value: float | None, target: Any, status: str) -> str:
    """The card's badge: the red/amber/green label, or which of the figure and the target is missing."""
    if value is None:
        return "No figure yet"
    if target is None:
        return "No target"
    return services.RAG_LABELS[status]


def raise_url(kpi: kpis.Kpi, month: date, filters: dict[str, Any]) -> str:
    """The improvement action form, pre-filled with the KPI, the month and the filters of the figure."""
    params = {"kpi": kpi.key, "month": f"{month:%Y-%m}", **kpi.supported(filters)}
    return f"{reverse('improvement-new')}?{urlencode(params)}"


def cards(user: Any, months: list[date], filters: dict[str, Any], *, fresh: bool = False,
          only: list[kpis.Kpi] | None = None) -> tuple[list[dict[str, Any]], datetime]:
    """One card per KPI: its months (value, display, drill-down link, "raise an action" link), the current value
    (the running month) and the previous month's, its target and status; and when the oldest figure was computed."""
    chosen = only if only is not None else kpis.registered()
    rollup = snapshots.series_of(chosen, user, months, filters, fresh=fresh)
    goals = targets()
    result = []
    for kpi in chosen:
        values = rollup.series[kpi.key]
        target = goals.get(kpi.key)
        points: list[dict[str, Any]] = [{"month": month, "key": f"{month:%Y-%m}", "label": label(month), "value": value,
                   "display": display(value, kpi), "url": kpi.drill(month, filters),
                   "raise_url": raise_url(kpi, month, filters),
                   "status": (status := services.rag(value, target, kpi.higher_is_better)),
                   "status_label": services.RAG_LABELS[status]}
                  for month, value in zip(months, values, strict=True)]
        current = points[-1]
        previous = points[-2] if len(points) > 1 else None
        result.append({
            "kpi": kpi, "points": points, "current": current, "previous": previous, "target": target,
            "target_display": display(target.target, kpi) if target else "",
            "band_display": display(target.amber_band, kpi) if target else "",
            "status": current["status"], "status_label": status_label(current["value"], target, current["status"]),
            "filtered": bool(kpi.supported(filters)), "filters": filters,
        })
    return result, rollup.computed_at


def chart_data(cards: list[dict[str, Any]]) -> dict[str, Any]:
    """What the charts draw (json_script): per KPI, the labels, values, links and target."""
    return {card["kpi"].key: {
        "label": card["kpi"].label, "unit": card["kpi"].unit,
        "labels": [p["label"] for p in card["points"]], "values": [p["value"] for p in card["points"]],
        "urls": [p["url"] for p in card["points"]],
        "target": card["target"].target if card["target"] else None,
    } for card in cards}
