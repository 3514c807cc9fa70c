"""The availability pages of the desk (agents: the services of their teams; managers: all, and they edit):

- /agent/availability/: every service with this month's and each of the last 12 months' availability against
  its target (red when below), in two queries;
- /agent/availability/services/<id>/: one service: its months, its outages (what caused them, how long), their
  journal; managers record an outage, adjust or delete one, and set the target.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import can
from availability import report
from availability import services as outages
from availability.forms import OutageForm, TargetForm
from availability.models import AvailabilityTarget, Outage, OutageChange
from core import clock
from core.permissions import permission_required
from core.references import visible_ticket_ids

MONTHS = 12
OUTAGE_ROWS = 100  # the page lists the latest; the API pages through them all
JOURNAL_ROWS = 20


@permission_required("availability.view")
def overview(request: HttpRequest) -> HttpResponse:
    """Every service the user may see, this month and the last 12 months against the target."""
    periods, rows = report.table(request.user, months=MONTHS)
    return render(request, "availability/overview.html", {
        "periods": periods, "rows": rows, "can_manage": can(request.user, "availability.manage"),
        "below": sum(1 for row in rows if row.current.below),
    })


def _service(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(report.visible_services(request.user).select_related(
        "availability_target", "support_team", "owner_team"), pk=pk)


def _page(request: HttpRequest, service: Any, *, outage_form: OutageForm | None = None,
          target_form: TargetForm | None = None, status: int = 200) -> HttpResponse:
    periods, rows = report.table(request.user, months=MONTHS, services=type(service).objects.filter(pk=service.pk))
    listed = list(Outage.objects.filter(service=service).select_related("incident", "created_by", "updated_by")
                  [:OUTAGE_ROWS])
    visible = visible_ticket_ids(request.user, [o.incident_id for o in listed if o.incident_id])
    now = clock.now()
    for outage in listed:
        outage.shown_incident = outage.incident if outage.incident_id in visible else None  # type: ignore[attr-defined]
        end = outage.end or now
        outage.minutes = max(int((end - outage.start).total_seconds() // 60), 0)  # type: ignore[attr-defined]
    target = getattr(service, "availability_target", None)
    return render(request, "availability/service.html", {
        "service": service, "periods": periods, "row": rows[0], "outages": listed,
        "journal": OutageChange.objects.filter(service=service).select_related("actor")[:JOURNAL_ROWS],
        "can_manage": can(request.user, "availability.manage"),
        "outage_form": outage_form or OutageForm(initial={"start": None}),
        "target_form": target_form or TargetForm(instance=target),
    }, status=status)


@permission_required("availability.view")
def service_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _service(request, pk))


def _manage(request: HttpRequest) -> None:
    if not can(request.user, "availability.manage"):
        raise PermissionDenied


def _apply(form: OutageForm, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_POST
@permission_required("availability.view")
def record_outage(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager records an outage of the service by hand."""
    service = _service(request, pk)
    _manage(request)
    form = OutageForm(request.POST)
    if form.is_valid():
        try:
            outages.record(request.user, service, form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return redirect(reverse("availability-service", args=[service.pk]) + "#outages")
    return _page(request, service, outage_form=form, status=400)


@permission_required("availability.view")
def edit_outage(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager adjusts an outage (GET: the form; POST: save)."""
    outage = get_object_or_404(Outage.objects.filter(service__in=report.visible_services(request.user))
                               .select_related("service", "incident"), pk=pk)
    _manage(request)
    if request.method == "POST":
        form = OutageForm(request.POST)
        if form.is_valid():
            try:
                outages.update(request.user, outage, form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                return redirect(reverse("availability-service", args=[outage.service_id]) + "#outages")
        status = 400
    else:
        form = OutageForm(initial={"start": outage.start, "end": outage.end, "severity": outage.severity,
                                   "description": outage.description})
        status = 200
    return render(request, "availability/outage_form.html", {"outage": outage, "form": form}, status=status)


@require_POST
@permission_required("availability.view")
def delete_outage(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager deletes a false outage (journaled)."""
    outage = get_object_or_404(Outage.objects.filter(service__in=report.visible_services(request.user)), pk=pk)
    _manage(request)
    service_id = outage.service_id
    outages.delete(request.user, outage)
    return redirect(reverse("availability-service", args=[service_id]) + "#outages")


@require_POST
@permission_required("availability.view")
def set_target(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager sets the service's availability target."""
    service = _service(request, pk)
    _manage(request)
    current = AvailabilityTarget.objects.filter(service=service).first()
    form = TargetForm(request.POST, instance=current or AvailabilityTarget(service=service))
    if not form.is_valid():
        return _page(request, service, target_form=form, status=400)
    with transaction.atomic():
        form.save()
    return redirect(reverse("availability-service", args=[service.pk]))
