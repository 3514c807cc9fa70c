"""The manager's SLA dashboard (/manager/sla/): compliance, breaches over time, timers at risk, mean times and
the open backlog by age, for a period, with a CSV download of each table.

Every figure comes from sla.report (counted in SQL: the page's queries do not grow with tickets or timers) and
links to the queue of the kind reported on (incidents, problems...: `?kind=`), filtered to exactly the tickets behind
it (the filters every kind's FilterSet shares: core.ticket_filters and sla.filters).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core import clock, kinds
from core.csv_export import csv_response
from core.kinds import Kind
from core.models import Priority
from core.permissions import permission_required
from sla import report
from sla.models import Stage, Target

PERIOD_CHOICES = [("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days"), ("custom", "Custom dates")]
DEFAULT_PERIOD = "30d"
AT_RISK_ROWS = 50  # the page's table; the CSV has them all (up to AT_RISK_EXPORT_ROWS)
AT_RISK_EXPORT_ROWS = 10_000
COMPLETED = [Stage.ACHIEVED, Stage.BREACHED]
DIMENSIONS = {  # compliance grouping -> (column heading, queue filter of its key, table title)
    "definition": ("SLA definition", "sla_definition", "By SLA definition"),
    "service": ("Service", "service", "By service"),
    "team": ("Assignment group", "team", "By assignment group"),
    "priority": ("Priority", "priority", "By priority"),
}
EXPORTS = [f"compliance_{name}" for name in DIMENSIONS] + ["breaches", "at_risk", "mean_times", "backlog"]


class PeriodForm(forms.Form):
    """The period of the figures: a preset (7, 30, 90 days up to now) or custom dates (both days included)."""

    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, label="Period")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until (included)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        """Resolve the period into `cleaned_data["range"]` (a report.Period), naming the field at fault."""
        data = super().clean()
        if self.errors:
            return data
        since, until = data.get("since"), data.get("until")
        period = data.get("period") or ("custom" if since or until else DEFAULT_PERIOD)
        data["period"] = period
        if period == "custom":
            for name, value in (("since", since), ("until", until)):
                if value is None:
                    self.add_error(name, "Give both dates of a custom period (YYYY-MM-DD).")
            if since and until and until < since:
                self.add_error("until", "The end date must not be before the start date.")
            if self.errors:
                return data
        try:
            data["range"] = report.parse_period(
                period, since.isoformat() if since else None, until.isoformat() if until else None, now=clock.now()
            )
        except ValueError as exc:
            self.add_error("until" if period == "custom" else "period", str(exc))
        return data


def queue_url(kind: Kind, **params: Any) -> str:
    """The kind's agent queue (every ticket of it the user can see) narrowed by its FilterSet's parameters (the
    filters every kind shares: core.ticket_filters and sla.filters)."""
    query = {"queue": "recent"}
    query.update({key: value for key, value in params.items() if value is not None})
    return f"{kind.queue_url()}?{urlencode(query, doseq=True)}"





def _iso(value: datetime) -> str:
    """An instant as the queue's ISO 8601 filters read it (with its UTC offset, to the microsecond)."""
    return value.isoformat()


def completed_params(period: report.Period, **extra: Any) -> dict[str, Any]:
    """Queue filters of the timers counted by compliance: completed (met or breached) within the period."""
    return {"sla_stage": COMPLETED, "sla_stopped_after": _iso(period.since),
            "sla_stopped_before": _iso(period.until), **extra}


def compliance_tables(user, kind: Kind, period: report.Period, names: list[str] | None = None,
                      figures: report.Completed | None = None) -> list[dict]:
    """The compliance tables (one per grouping), each row with its drill-down links."""
    data = report.compliance(user, period, names, kind=kind.key, figures=figures)
    tables = []
    for name, rows in data.items():
        heading, param, title = DIMENSIONS[name]
        for row in rows:
            key = "null" if row["key"] is None else row["key"]
            if name == "priority" and row["key"] in Priority.values:
                row["label"] = Priority(row["key"]).label
            base = completed_params(period, **{param: key})
            row["total_url"] = queue_url(kind, **base)
            row["met_url"] = queue_url(kind, **{**base, "sla_stage": Stage.ACHIEVED})
            row["breached_url"] = queue_url(kind, **{**base, "sla_stage": Stage.BREACHED})
        tables.append({"name": name, "heading": heading, "title": title, "rows": rows,
                       "export": f"compliance_{name}"})
    return tables


def _day_bounds(day: date, period: report.Period) -> tuple[datetime, datetime]:
    """The instants of a local day (the one TruncDate uses), clipped to the period."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    return max(start, period.since), min(end, period.until)


def breaches_series(user, kind: Kind, period: report.Period) -> list[dict]:
    """Breached timers per local day of the period, days without a breach included (for the chart)."""
    counts = {row["day"]: row["count"] for row in report.breaches_over_time(user, period, kind.key)}
    tz = timezone.get_current_timezone()
    first = timezone.localtime(period.since, tz).date()
    last = timezone.localtime(period.until - timedelta(microseconds=1), tz).date()
    series = []
    day = first
    while day <= last:
        start, end = _day_bounds(day, period)
        series.append({
            "day": day.isoformat(), "count": counts.get(day.isoformat(), 0),
            "url": queue_url(kind, sla_breached="true", sla_breached_after=_iso(start), sla_breached_before=_iso(end)),
        })
        day += timedelta(days=1)
    return series


def at_risk_rows(user, kind: Kind, now: datetime, limit: int) -> list[dict]:
    """The running timers past their last warning, nearest due first, each with its ticket kind's page."""
    rows = []
    for timer in report.at_risk(user, limit, kind.key):
        ticket = timer.ticket
        left = (timer.due_at - now) if timer.due_at else None
        rows.append({
            "number": ticket.number, "title": ticket.title, "url": kinds.agent_url_of(ticket),
            "definition": timer.definition.name, "target": timer.definition.get_target_display(),
            "due_at": timer.due_at, "left": _duration_text(left),
            "assignee": ticket.assignee.display_name if ticket.assignee else "",
            "team": ticket.team.name if ticket.team else "",
        })
    return rows


def _duration_text(value: timedelta | None) -> str:
    if value is None:
        return ""
    if value <= timedelta(0):
        return "due now"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"in {days} d {hours} h"
    return f"in {hours} h {minutes:02d} min" if hours else f"in {minutes} min"


def mean_time_rows(user, kind: Kind, period: report.Period, figures: report.Completed | None = None) -> list[dict]:
    """Mean time to acknowledge and to resolve, business (SLA timers) and wall-clock (incidents), with links."""
    means = report.mean_times(user, period, kind.key, figures)
    since, until = _iso(period.since), _iso(period.until)
    rows = []
    for key, label, target, wall_filter in (("mtta", "Time to acknowledge", Target.RESPONSE, "responded"),
                                            ("mttr", "Time to resolve", Target.RESOLUTION, "resolved")):
        rows.append({
            "key": key, "label": label,
            "business_hours": means[f"{key}_business_hours"], "business_count": means[f"{key}_business_count"],
            "business_url": queue_url(kind, **completed_params(period, sla_target=target)),
            "wall_hours": means[f"{key}_wall_hours"], "wall_count": means[f"{key}_wall_count"],
            "wall_url": queue_url(kind, **{f"{wall_filter}_after": since, f"{wall_filter}_before": until}),
        })
    return rows


def backlog_rows(user, kind: Kind, now: datetime) -> list[dict]:
    """Open incidents by age bucket, each with the link to exactly those incidents."""
    rows = report.backlog_by_age(user, now, kind.key)
    for row in rows:
        row["url"] = queue_url(kind, active="true", opened_after=row["opened_after"],
                               opened_before=row["opened_before"])
    return rows


def _summary(user, kind: Kind, period: report.Period, figures: report.Completed) -> dict[str, Any]:
    """The headline figures, each over the same timers as the table below it and its drill-down link.

    Compliance: the completed timers of the compliance tables (any table's rows add up to it). Breaches: the
    timers of the breaches chart (its days add up to it), running or stopped, which is why it can exceed the
    tables' "Breached" column. Each also says on how many incidents, the number of rows its link lists.
    """
    completed = report.completed_summary(user, period, kind.key, figures)
    breached = report.breach_summary(user, period, kind.key)
    met, total = completed["met"], completed["total"]
    return {
        "met": met, "total": total, "compliance": round(100.0 * met / total, 1) if total else None,
        "breached_completed": total - met, "total_tickets": completed["tickets"],
        "breached_earlier": completed["breached_earlier"],
        "total_url": queue_url(kind, **completed_params(period)),
        "breaches": breached["timers"], "breach_tickets": breached["tickets"],
        "breaches_running": breached["running"],
        "breaches_not_completed": breached["timers"] - breached["in_tables"],
        "breaches_url": queue_url(kind, sla_breached="true", sla_breached_after=_iso(period.since),
                                  sla_breached_before=_iso(period.until)),
    }


def _export(name: str, user, kind: Kind, period: report.Period, now: datetime) -> HttpResponse:
    """One table as a CSV attachment named after the table and the period."""
    last = timezone.localtime(period.until - timedelta(microseconds=1))  # the last day the period includes
    stamp = f"{timezone.localtime(period.since):%Y%m%d}-{last:%Y%m%d}"
    filename = f"sla-{name.replace('_', '-')}-{stamp}.csv"
    if name.startswith("compliance_"):
        table = compliance_tables(user, kind, period, [name.removeprefix("compliance_")])[0]
        header = [table["heading"], "Met", "Breached", "Total", "Compliance %", kind.label_plural]
        rows = ([r["label"], r["met"], r["breached"], r["total"], r["compliance"], r["tickets"]]
                for r in table["rows"])
    elif name == "breaches":
        header = ["Day", "Breached timers"]
        rows = ([b["day"], b["count"]] for b in breaches_series(user, kind, period))
    elif name == "at_risk":
        header = [kind.label, "Title", "SLA definition", "Target", "Due at", "Assignee", "Assignment group"]
        rows = ([r["number"], r["title"], r["definition"], r["target"],
                 timezone.localtime(r["due_at"]).isoformat() if r["due_at"] else "", r["assignee"], r["team"]]
                for r in at_risk_rows(user, kind, now, AT_RISK_EXPORT_ROWS))
    elif name == "mean_times":
        header = ["Measure", "Business hours", "Timers", "Wall-clock hours", kind.label_plural]
        rows = ([r["label"], r["business_hours"], r["business_count"], r["wall_hours"], r["wall_count"]]
                for r in mean_time_rows(user, kind, period))
    else:  # backlog
        header = ["Age", f"Open {kind.label_plural.lower()}", "Opened from", "Opened before"]
        rows = ([r["label"], r["count"], r["opened_after"] or "", r["opened_before"] or ""]
                for r in backlog_rows(user, kind, now))
    return csv_response(filename, header, rows)


def _with_kind(request: HttpRequest, kind: Kind) -> str:
    """This page for another kind, with the same period."""
    params = {key: request.GET[key] for key in ("period", "since", "until") if request.GET.get(key)}
    return f"?{urlencode({**params, 'kind': kind.key})}"


def _export_links(request: HttpRequest) -> dict[str, str]:
    """The CSV URL of each table: the page's own period parameters plus `export`."""
    params = {key: request.GET[key] for key in ("kind", "period", "since", "until") if request.GET.get(key)}
    return {name: f"?{urlencode({**params, 'export': name})}" for name in EXPORTS}


@permission_required("dashboards.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The SLA dashboard for a period; `?export=<table>` downloads one table as CSV. A bad period answers 400."""
    now = clock.now()
    form = PeriodForm(request.GET or None)
    export = request.GET.get("export")
    if export is not None and export not in EXPORTS:
        return HttpResponse(f"Unknown export {export!r}. Known: {', '.join(EXPORTS)}.", status=400,
                            content_type="text/plain; charset=utf-8")
    choices = report.report_kinds()
    kind = next((k for k in choices if k.key == request.GET.get("kind")), None)
    if request.GET.get("kind") and kind is None:
        return HttpResponse(f"Unknown kind {request.GET['kind']!r}. Known: {', '.join(k.key for k in choices)}.",
                            status=400, content_type="text/plain; charset=utf-8")
    kind = kind or choices[0]
    valid = form.is_valid() if form.is_bound else True
    period = form.cleaned_data["range"] if form.is_bound and valid else report.parse_period(DEFAULT_PERIOD, now=now)
    if export is not None:
        if not valid:
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            return HttpResponse(f"Bad period: {problems}", status=400, content_type="text/plain; charset=utf-8")
        return _export(export, request.user, kind, period, now)
    if not form.is_bound:
        form = PeriodForm(initial={"period": DEFAULT_PERIOD})
    context: dict[str, Any] = {"form": form, "valid": valid, "period": period, "now": now, "kind": kind,
                               "kind_tabs": [{"kind": k, "url": _with_kind(request, k), "active": k is kind}
                                             for k in choices]}
    if valid:
        figures = report.completed(request.user, period, kind.key)  # compliance, headline, business means
        tables = compliance_tables(request.user, kind, period, figures=figures)
        exports = _export_links(request)
        for table in tables:
            table["export_url"] = exports[table["export"]]
            table["export_label"] = f"compliance {table['title'].lower()}"
        breaches = breaches_series(request.user, kind, period)
        at_risk = report.at_risk_summary(request.user, kind.key)
        backlog = backlog_rows(request.user, kind, now)
        context.update({
            "summary": _summary(request.user, kind, period, figures),
            "compliance_tables": tables,
            "breaches": breaches,
            "breach_days": [b for b in breaches if b["count"]],
            "at_risk": at_risk,
            "at_risk_rows": at_risk_rows(request.user, kind, now, AT_RISK_ROWS),
            "at_risk_url": queue_url(kind, sla_at_risk="true"),
            "mean_times": mean_time_rows(request.user, kind, period, figures),
            "backlog": backlog,
            "backlog_total": sum(r["count"] for r in backlog),
            "backlog_url": queue_url(kind, active="true"),
            "exports": exports,
            "chart_data": {
                "breaches": {"labels": [b["day"] for b in breaches], "counts": [b["count"] for b in breaches],
                             "urls": [b["url"] for b in breaches]},
                "backlog": {"labels": [r["label"] for r in backlog], "counts": [r["count"] for r in backlog],
                            "urls": [r["url"] for r in backlog]},
            },
        })
    return render(request, "sla/dashboard.html", context, status=200 if valid else 400)
