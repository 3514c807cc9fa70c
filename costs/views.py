"""The cost of each contact (/manager/costs/): per month, the contacts, the time logged on them and what they cost
(labour at the team's hourly rate, the fixed cost per ticket, the channel's cost), then broken down by channel, team
or service; `?export=csv` downloads the breakdown. Managers see every team; agents their teams'. Two queries for
the figures (costs.report), one more for the names of a breakdown."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from availability.report import last_months
from core.csv_export import csv_response
from core.permissions import permission_required
from costs import report
from costs.models import CostRate

GROUP_CHOICES = [("channel", "Channel"), ("team", "Team"), ("service", "Service")]
MONTH_CHOICES = [("3", "Last 3 months"), ("6", "Last 6 months"), ("12", "Last 12 months")]


class CostQueryForm(forms.Form):
    months = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, required=False, label="Period")
    group_by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, label="Break down by")


@permission_required("costs.view")
def costs_page(request: HttpRequest) -> HttpResponse:
    form = CostQueryForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    count = data.get("months") or 6
    group_by = data.get("group_by") or "channel"
    months = last_months(count)
    totals = report.rows(request.user, months)
    breakdown = report.rows(request.user, months, group_by)
    if request.GET.get("export") == "csv":
        return csv_response(f"cost-per-contact-by-{group_by}.csv",
                            ["Month", dict(GROUP_CHOICES)[group_by], "Contacts", "Minutes logged", "Labour",
                             "Fixed per ticket", "Channel", "Total", "Cost per contact", "Currency"],
                            [[r.month.strftime("%Y-%m"), r.label, r.contacts, r.minutes, r.labour, r.fixed, r.channel,
                              r.total, r.per_contact, report.currency()] for r in breakdown])
    by_month = {month: list(rows) for month, rows in groupby(breakdown, key=lambda r: r.month)}
    context: dict[str, Any] = {
        "form": form, "valid": valid, "group_by": group_by, "group_label": dict(GROUP_CHOICES)[group_by],
        "totals": list(reversed(totals)), "breakdown": [(m, by_month[m]) for m in sorted(by_month, reverse=True)],
        "currency": report.currency(), "count": count,
        "has_rates": CostRate.objects.exists(),
    }
    return render(request, "costs/page.html", context, status=200 if valid else 400)
