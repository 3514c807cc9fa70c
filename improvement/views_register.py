"""The improvement register (/manager/improvements/): the list, a page per action, raising one from a KPI figure
(the dashboard's "Raise an improvement action" links carry the KPI, the month and the filters) and editing it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from core.pagination import InvalidCursor, page_numbers, paginate_html
from core.permissions import permission_required
from improvement import figures, kpis, services
from improvement.forms import ActionForm
from improvement.kpis.periods import current_month, label, parse_month
from improvement.kpis.scope import parse_filters
from improvement.models import ActionStatus, ImprovementAction

ROWS = 50
STATUS_BADGES = {ActionStatus.OPEN: "text-bg-primary", ActionStatus.IN_PROGRESS: "text-bg-info",
                 ActionStatus.DONE: "text-bg-success", ActionStatus.CANCELLED: "text-bg-secondary"}


def _decorate(action: ImprovementAction) -> ImprovementAction:
    kpi = kpis.find(action.kpi)
    action.kpi_label = kpi.label if kpi else action.kpi  # type: ignore[attr-defined]
    action.badge = STATUS_BADGES.get(ActionStatus(action.status), "text-bg-light")  # type: ignore[attr-defined]
    action.before_text = figures.display(action.value_before, kpi) if kpi else ""  # type: ignore[attr-defined]
    action.month_label = label(action.month)  # type: ignore[attr-defined]
    return action


def _apply_errors(form: ActionForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@permission_required("dashboards.view")
def register(request: HttpRequest) -> HttpResponse:
    """Every action, newest first; `?status=` narrows to one status, `?kpi=` to one KPI."""
    actions = ImprovementAction.objects.select_related("owner").order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status and status not in ActionStatus.values:
        return HttpResponse(f"status: use one of {', '.join(ActionStatus.values)}.", status=400,
                            content_type="text/plain; charset=utf-8")
    if status:
        actions = actions.filter(status=status)
    kpi = request.GET.get("kpi", "")
    if kpi:
        actions = actions.filter(kpi=kpi)
    try:
        page = paginate_html(actions, request.GET, ROWS)
    except InvalidCursor as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    rows = [_decorate(action) for action in page.object_list]
    return render(request, "improvement/register.html", {
        "rows": rows, "page": page, "page_numbers": page_numbers(page), "status": status,
        "statuses": ActionStatus.choices, "kpi": kpi,
    })


@permission_required("dashboards.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One action: what, who, when, status, the KPI figure it is about, its value before and after."""
    actions = ImprovementAction.objects.select_related("owner", "created_by", "updated_by")
    action = _decorate(get_object_or_404(actions, pk=pk))
    kpi = kpis.find(action.kpi)
    after, after_month = services.latest_value(action, request.user)
    filters_text = figures.describe_filters(action.filters or {})
    return render(request, "improvement/action.html", {
        "action": action, "kpi": kpi, "after_text": figures.display(after, kpi) if kpi else "—",
        "after_month": label(after_month) if after_month else "",
        "after_frozen": action.is_closed and action.after_month is not None,
        "after_running": after_month == current_month() if after_month else False,
        "figure_url": kpi.drill(action.month, action.filters) if kpi else "",
        "filters_text": filters_text,
        "trend": before_after_status(kpi, action.value_before, after),
    })


def before_after_status(kpi: kpis.Kpi | None, before: float | None, after: float | None) -> str:
    """"better", "worse" or "same" (according to the KPI's direction), "" when a value is missing."""
    if kpi is None or before is None or after is None:
        return ""
    if after == before:
        return "same"
    return "better" if (after > before) == kpi.higher_is_better else "worse"


@permission_required("kpis.manage")
def new(request: HttpRequest) -> HttpResponse:
    """Raise an action; from a dashboard figure, `?kpi=&month=YYYY-MM&kind=&team=...` pre-fill it."""
    filters, _errors = parse_filters(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "filters": filters}
            try:
                action = services.raise_action(request.user, data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Improvement action “{action.title}” raised.")
                return HttpResponseRedirect(reverse("improvement-page", args=[action.pk]))
    else:
        form = ActionForm(initial={"kpi": request.GET.get("kpi", ""), "month": request.GET.get("month", ""),
                                   "owner": request.user.pk, "status": ActionStatus.OPEN})
    kpi = kpis.find(form["kpi"].value() or "")
    applied = kpi.supported(filters) if kpi else {}
    try:
        month_label = label(parse_month(str(form["month"].value() or "")))
    except ValueError:
        month_label = ""
    return render(request, "improvement/action_form.html", {
        "form": form, "creating": True, "kpi": kpi, "filters": applied, "month_label": month_label,
        "filters_text": figures.describe_filters(applied),
        "cancel_url": f"{reverse('kpi-dashboard')}?{urlencode(applied)}",
    }, status=400 if form.is_bound else 200)


@permission_required("kpis.manage")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what, owner, due date or status of an action (done or cancelled freezes its "after" value)."""
    action = get_object_or_404(ImprovementAction, pk=pk)
    if request.method == "POST":
        form = ActionForm(request.POST, creating=False)
        if form.is_valid():
            try:
                services.update_action(request.user, action, form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Improvement action saved.")
                return HttpResponseRedirect(reverse("improvement-page", args=[action.pk]))
    else:
        form = ActionForm(creating=False, initial={
            "title": action.title, "description": action.description, "owner": action.owner_id,
            "due_date": action.due_date, "status": action.status})
    context: dict[str, Any] = {"form": form, "creating": False, "action": _decorate(action),
                               "kpi": kpis.find(action.kpi),
                               "cancel_url": reverse("improvement-page", args=[action.pk])}
    return render(request, "improvement/action_form.html", context, status=400 if form.is_bound else 200)
