"""Capacity management's pages:

- /agent/capacity/: the capacity report: every metric, closest to exhaustion first (forecast date, then
  utilisation), in one query (capacity.forecast.rows) (`capacity.read`);
- /agent/capacity/<pk>/: a metric's page: its figures and a chart of its samples over the forecast window (the
  highest value per hour or day) with the fitted line up to the capacity, the capacity and the thresholds;
- /agent/capacity/new/, /agent/capacity/<pk>/edit/: define or change a metric (`capacity.manage`);
- /manager/capacity/desk/: open work per team and per agent against the desk's capacity, which managers set per
  team there (`capacity.desk`).
Each page costs a fixed number of queries whatever the number of metrics, samples or tickets.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.db.models.functions import TruncDay, TruncHour
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import Team
from accounts.roles import can
from capacity import desk, forecast, services
from capacity.choices import Outlook
from capacity.forms import DeskCapacityForm, MetricForm
from capacity.models import DeskCapacity, Metric, Sample
from cmdb.models import ConfigurationItem
from core import clock
from core.permissions import permission_required

REPORT_ROWS = 200
HOURLY_UP_TO_DAYS = 14
RECENT_SAMPLES = 10


def decorate(metric: Metric, now: datetime) -> Metric:
    """Attach what the pages show: the forecast, days left, the owner's name and link."""
    metric.forecast = forecast.outlook(metric, now)  # type: ignore[attr-defined]
    metric.days_left = metric.forecast.days_left(now)  # type: ignore[attr-defined]
    metric.owner = getattr(metric, "ci_name", None) or getattr(metric, "service_name", None)  # type: ignore[attr-defined]
    metric.owner_url = reverse("agent-ci", args=[metric.ci_id]) if metric.ci_id else ""  # type: ignore[attr-defined]
    return metric


@permission_required("capacity.read")
def report(request: HttpRequest) -> HttpResponse:
    """The capacity report: the metrics closest to exhaustion first."""
    now = clock.now()
    rows = [decorate(m, now) for m in forecast.rows(now, limit=REPORT_ROWS)]
    total = Metric.objects.count() if len(rows) == REPORT_ROWS else len(rows)
    return render(request, "capacity/report.html", {
        "rows": rows, "total": total, "shown": len(rows), "now": now, "Outlook": Outlook,
        "can_manage": can(request.user, "capacity.manage"), "can_desk": can(request.user, "capacity.desk")})


def chart_points(metric: Metric, now: datetime) -> list[dict[str, Any]]:
    """The highest value per hour (windows up to two weeks) or per day, over the forecast window."""
    trunc = TruncHour if metric.window_days <= HOURLY_UP_TO_DAYS else TruncDay
    rows = (Sample.objects.filter(metric=metric, at__gt=now - timedelta(days=metric.window_days), at__lte=now)
            .annotate(bucket=trunc("at")).order_by("bucket").values("bucket").annotate(top=Max("value")))
    return [{"x": int(r["bucket"].timestamp() * 1000), "y": r["top"]} for r in rows]


@permission_required("capacity.read")
def metric_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A metric: its figures, its utilisation chart with the forecast, its latest samples."""
    now = clock.now()
    found = forecast.rows(now, ids=[pk])
    if not found:
        raise Http404("No such capacity metric.")
    metric = decorate(found[0], now)
    points = chart_points(metric, now)
    line = forecast.line(metric, now, metric.forecast)  # type: ignore[attr-defined]
    start = int((now - timedelta(days=metric.window_days)).timestamp() * 1000)
    end = max([p["x"] for p in points] + [int(at.timestamp() * 1000) for at, _ in line] + [int(now.timestamp()
                                                                                                * 1000)])
    chart = {
        "unit": metric.unit, "capacity": metric.capacity, "start": start, "end": end,
        "warning": metric.capacity * metric.warning_pct / 100, "critical": metric.capacity * metric.critical_pct / 100,
        "samples": points, "forecast": [{"x": int(at.timestamp() * 1000), "y": value} for at, value in line],
    }
    recent = list(Sample.objects.filter(metric=metric).order_by("-at")[:RECENT_SAMPLES])
    return render(request, "capacity/metric.html", {
        "metric": metric, "chart": chart, "recent": recent, "now": now, "Outlook": Outlook,
        "can_manage": can(request.user, "capacity.manage")})


@permission_required("capacity.manage")
def metric_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Define a metric (`?ci=<id>` starts it on a configuration item) or change one."""
    metric = get_object_or_404(Metric.objects.select_related("ci"), pk=pk) if pk else Metric()
    initial = {}
    raw_ci = request.GET.get("ci", "")
    if not pk and raw_ci.isdigit() and len(raw_ci) < 10:
        ci = ConfigurationItem.objects.filter(pk=int(raw_ci)).first()
        initial = {"ci_name": ci.name} if ci else {}
    form = MetricForm(request.POST or None, instance=metric, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            metric = services.save_metric(form.instance, {})
            messages.success(request, f"{metric.name}: saved.")
            return redirect("capacity-metric", metric.pk)
        messages.error(request, "Not saved: correct the fields marked below.")
    return render(request, "capacity/metric_form.html", {"form": form, "metric": metric if pk else None},
                  status=400 if form.is_bound else 200)


@permission_required("capacity.desk")
def desk_page(request: HttpRequest) -> HttpResponse:
    """Open work per team and per agent against the desk's capacity; POST sets a team's capacity per agent."""
    if request.method == "POST":
        if not can(request.user, "capacity.manage"):
            raise PermissionDenied("Only managers set the desk's capacity.")
        raw = request.POST.get("team", "")
        team = get_object_or_404(Team, pk=int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if team is None:
            raise Http404("No such team.")
        current = DeskCapacity.objects.filter(team=team).first() or DeskCapacity(team=team)
        form = DeskCapacityForm(request.POST, instance=current)
        if form.is_valid():
            form.save()
            messages.success(request, f"{team.name}: {form.instance.open_per_agent} open tickets per agent.")
            return redirect("capacity-desk")
        messages.error(request, f"{team.name}: " + " ".join(str(e) for e in form.errors.get("open_per_agent", [])))
    teams, agents = desk.figures(request.user)
    return render(request, "capacity/desk.html", {
        "teams": teams, "agents": agents, "default_per_agent": desk.DEFAULT_OPEN_PER_AGENT,
        "can_manage": can(request.user, "capacity.manage")}, status=400 if request.method == "POST" else 200)


ALERT_ROWS = 200


@permission_required("capacity.read")
def alerts(request: HttpRequest) -> HttpResponse:
    """The capacity alerts of a month (`?month=2026-11`, default this month): what the KPI counts."""
    from capacity import kpis

    raw = request.GET.get("month", "")
    try:
        month = datetime.strptime(raw, "%Y-%m").date() if raw else clock.now().astimezone(kpis.zone()).date()
    except ValueError:
        month, error = clock.now().astimezone(kpis.zone()).date().replace(day=1), "Give a month as 2026-11."
    else:
        error = ""
    month = month.replace(day=1)
    start, end = kpis.month_bounds(month)
    rows = list(kpis.capacity_alerts(request.user).filter(received_at__gte=start, received_at__lt=end)
                .select_related("ci", "incident").order_by("-received_at", "-id")[:ALERT_ROWS])
    return render(request, "capacity/alerts.html", {"rows": rows, "month": month, "error": error,
                                                    "limit": ALERT_ROWS},
                  status=400 if error else 200)
