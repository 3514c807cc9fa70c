"""The KPI dashboard (/manager/kpis/): every KPI as a card with its current value, its 12-month trend, its target
and red/amber/green status, filters, a drill-down from every figure and a CSV of the figures; the drill page
listing the tickets behind a month's figure; the target form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Team
from catalog.models import Service
from core import kinds
from core.csv_export import csv_response
from core.models import Priority
from core.pagination import InvalidCursor, page_numbers, paginate_html
from core.permissions import permission_required
from improvement import figures, kpis, services, snapshots
from improvement.forms import TargetForm
from improvement.kpis import practices, tickets
from improvement.kpis.periods import DEFAULT_MONTHS, bounds, label, last_months, parse_month
from improvement.kpis.scope import parse_filters, ticket_kinds
from improvement.models import ImprovementAction

DRILL_ROWS = 50
# The KPIs whose figures this app's drill page lists (tickets, or knowledge deflections).
DRILL_PAGES = frozenset({"ttr_mean", "ttr_median", "fcr", "reopen_rate", "backlog", "change_success",
                         "change_incidents", "deflections"})


def _plain(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _problems(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages_)}" for field, messages_ in errors.items())


def _filter_options() -> dict[str, Any]:
    return {"kinds": ticket_kinds(), "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
            "services": list(Service.objects.order_by("name").values_list("pk", "name")),
            "priorities": Priority.choices}


def _csv(cards: list[dict[str, Any]]) -> HttpResponse:
    header = ["KPI", "Unit", "Month", "Value", "Target", "Amber band", "Status", "Filters"]
    rows = []
    for card in cards:
        kpi, target = card["kpi"], card["target"]
        applied = kpi.supported(card["filters"])
        for point in card["points"]:
            rows.append([kpi.label, kpi.unit, point["key"],
                         round(point["value"], kpi.decimals) if point["value"] is not None else "",
                         target.target if target else "", target.amber_band if target else "",
                         services.RAG_LABELS[point["status"]], urlencode(applied)])
    return csv_response(f"kpis-{cards[0]['points'][0]['key']}-{cards[0]['points'][-1]['key']}.csv" if cards
                        else "kpis.csv", header, rows)


@permission_required("dashboards.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The KPI dashboard; `?export=csv` downloads its figures. Bad filters answer 400, naming the field."""
    filters, errors = parse_filters(request.GET)
    export = request.GET.get("export")
    if export not in (None, "csv"):
        return _plain(f"Unknown export {export[:40]!r}: use csv.")
    if errors and export:
        return _plain(f"Bad filters: {_problems(errors)}")
    months = last_months(DEFAULT_MONTHS)
    cards, computed_at = figures.cards(request.user, months, filters) if not errors else ([], None)
    if export:
        return _csv(cards)
    for card in cards:
        card["target_form"] = TargetForm(prefix=card["kpi"].key, initial={
            "kpi": card["kpi"].key, "target": card["target"].target if card["target"] else None,
            "amber_band": card["target"].amber_band if card["target"] else 0})
    open_actions = dict(ImprovementAction.objects.exclude(status__in=["done", "cancelled"]).values("kpi")
                        .annotate(n=Count("pk"))
                        .values_list("kpi", "n"))
    for card in cards:
        card["open_actions"] = open_actions.get(card["kpi"].key, 0)
    query = {name: value for name, value in filters.items()}
    context = {
        "cards": cards, "computed_at": computed_at, "filters": filters, "errors": errors, "months": months,
        "period_label": f"{label(months[0])} – {label(months[-1])}",
        "chart_data": figures.chart_data(cards),
        "csv_url": f"?{urlencode({**query, 'export': 'csv'})}",
        "top_problems": snapshots.top_problems(request.user, filters) if not errors else [],
        "kind_label": dict(ticket_kinds()).get(filters.get("kind", "incident"), "Incidents"),
        **_filter_options(),
    }
    return render(request, "improvement/dashboard.html", context, status=400 if errors else 200)


@require_POST
@permission_required("kpis.manage")
def set_target(request: HttpRequest) -> HttpResponse:
    """Set a KPI's target from its card (the form's prefix is the KPI's key); back to the dashboard."""
    key = request.POST.get("kpi", "")
    form = TargetForm(request.POST, prefix=key if kpis.find(key) else None)
    back = request.POST.get("next", "")
    back = back if back.startswith(reverse("kpi-dashboard")) else reverse("kpi-dashboard")
    if kpis.find(key) is None:
        return _plain(f"kpi: unknown KPI {key[:40]!r}.")
    if not form.is_valid():
        return _plain(f"Bad target: {_problems({f: [str(e) for e in errs] for f, errs in form.errors.items()})}")
    try:
        services.set_target(request.user, key, form.cleaned_data["target"], form.cleaned_data["amber_band"] or 0)
    except ValidationError as exc:
        return _plain(f"Bad target: {exc}")
    messages.success(request, f"Target of “{kpis.find(key).label}” saved.")  # type: ignore[union-attr]
    return HttpResponseRedirect(f"{back}#kpi-{key}")


def _drill_rows(key: str, request: HttpRequest, month, filters: dict[str, Any]) -> dict[str, Any]:
    """The rows behind a month's figure: tickets (with the measure of each), or deflections."""
    kpi = kpis.find(key)
    assert kpi is not None
    applied = kpi.supported(filters)
    if key == "deflections":
        rows = (practices.deflections(request.user, *bounds(month)).select_related("article")
                .order_by("-created_at", "-pk"))
        return {"deflections": rows, "measure": "Solved by"}
    if key in ("change_success", "change_incidents"):
        rows = practices.closed_changes(request.user, *bounds(month), with_outcome=key == "change_success",
                                        **applied)
        rows = rows.annotate(measure=practices.caused_incidents()) if key == "change_incidents" else \
            rows.annotate(measure=F("change__outcome"))
        return {"tickets": rows.select_related("team").order_by("-closed_at", "-pk"),
                "measure": "Caused an incident" if key == "change_incidents" else "Outcome"}
    rows, heading = tickets.drill_tickets(key, request.user, month, **applied)
    return {"tickets": rows.select_related("team").order_by(*tickets.drill_order(key)), "measure": heading}


def _measure_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key in ("ttr_mean", "ttr_median") and value is not None:
        return f"{value:,.1f} h"
    if key == "change_success":
        from changes.choices import Outcome
        return Outcome(value).label if value in Outcome.values else "—"
    return ""


@permission_required("dashboards.view")
def drill(request: HttpRequest, key: str, month: str) -> HttpResponse:
    """The tickets (or answers) behind a KPI's figure for a month, through the access rule, 50 a page."""
    kpi = kpis.find(key)
    if kpi is None or key not in DRILL_PAGES:  # the others link to their own pages (SLA: the queue)
        raise Http404("No such KPI figure.")
    try:
        first_day = parse_month(month)
    except ValueError:
        raise Http404("No such month.") from None
    filters, errors = parse_filters(request.GET)
    if errors:
        return _plain(f"Bad filters: {_problems(errors)}")
    found = _drill_rows(key, request, first_day, filters)
    rows = found["tickets"] if "tickets" in found else found["deflections"]
    try:
        page = paginate_html(rows, request.GET, DRILL_ROWS)
    except InvalidCursor as exc:
        return _plain(str(exc))
    items = list(page.object_list)
    if "tickets" in found:
        for ticket in items:
            ticket.url = kinds.agent_url_of(ticket)
            ticket.measure_text = _measure_text(key, ticket.measure)
    value = figures.cards(request.user, [first_day], filters, only=[kpi])[0][0]["points"][0]
    return render(request, "improvement/drill.html", {
        "kpi": kpi, "month": first_day, "month_label": label(first_day), "value": value, "page": page,
        "page_numbers": page_numbers(page), "rows": items, "is_tickets": "tickets" in found,
        "measure": found["measure"], "applied": kpi.supported(filters),
        "filters_text": figures.describe_filters({k: v for k, v in kpi.supported(filters).items() if k != "kind"}),
        "kind_label": dict(ticket_kinds()).get(filters.get("kind", "incident"), "Incidents"),
        "dashboard_url": f"{reverse('kpi-dashboard')}?{urlencode(kpi.supported(filters))}#kpi-{key}",
        "raise_url": figures.raise_url(kpi, first_day, filters),
    })
