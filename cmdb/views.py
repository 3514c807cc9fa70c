"""The CMDB in the workspace (the desk): the list of configuration items, recording one, and the CI page: its
fields and attributes, what fails with it and what it needs (impact), its relationships, the tickets that affect it
(through the access rule) and what changed on it lately."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import can
from cmdb import impact, services
from cmdb.choices import INVERSE_LABELS, RelationKind
from cmdb.forms import AttributesForm, CIForm, FilterForm, RelateForm, find_ci
from cmdb.models import CIClass, ConfigurationItem, Relationship
from core.models import Ticket
from core.pagination import CappedPaginator, page_numbers
from core.permissions import permission_required
from core.ticket_forms import add_service_errors

PAGE_SIZE = 50
IMPACT_SHOWN = 15
TICKETS_SHOWN = 10
RELATIONS_SHOWN = 50


@permission_required("cmdb.read")
def ci_list(request: HttpRequest) -> HttpResponse:
    """The configuration items, by name, filtered by class, status, environment and words of the name."""
    form = FilterForm(request.GET or None)
    rows = ConfigurationItem.objects.select_related("ci_class", "support_team").order_by("name", "id")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            rows = rows.filter(name__icontains=data["q"])
        for name in ("ci_class", "status", "environment"):
            if data.get(name):
                rows = rows.filter(**{name: data[name]})
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cmdb/list.html", {"form": form, "page": page, "page_numbers": page_numbers(page)})


@permission_required("cmdb.edit")
def ci_new(request: HttpRequest) -> HttpResponse:
    """Record a configuration item: its class first (`?ci_class=`), whose attributes the form then asks for."""
    raw_class = request.POST.get("ci_class") or request.GET.get("ci_class") or ""
    ci_class = CIClass.objects.filter(pk=int(raw_class)).first() if raw_class.isdigit() else None
    form = CIForm(request.POST or None, initial={"status": "in_use", "environment": "production",
                                                 "ci_class": ci_class.pk if ci_class else None})
    attributes = AttributesForm(request.POST or None, ci_class=ci_class) if ci_class is not None else None
    if request.method == "POST" and form.is_valid() and (attributes is None or attributes.is_valid()):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("services", "version")}
        data["attributes"] = attributes.values() if attributes is not None else {}
        try:
            ci = services.create_ci(request.user, data, services=form.cleaned_data["services"])
        except ValidationError as exc:
            own = {k: v for k, v in exc.message_dict.items() if not k.startswith("attributes.")}
            if attributes is not None and len(own) < len(exc.message_dict):
                attributes.add_service_errors(exc)
            if own:
                add_service_errors(form, ValidationError(own))
        else:
            messages.success(request, f"{ci.name} recorded. Relate it to what it runs on or depends on.")
            return redirect("agent-ci", ci.pk)
    return render(request, "cmdb/new.html", {"form": form, "attributes_form": attributes, "ci_class": ci_class},
                  status=400 if form.is_bound else 200)


def load(pk: int) -> ConfigurationItem:
    return get_object_or_404(ConfigurationItem.objects.select_related("ci_class", "owner_team", "support_team"),
                             pk=pk)


def page_context(request: HttpRequest, ci: ConfigurationItem, **overrides: Any) -> dict[str, Any]:
    """Everything the CI page shows."""
    down, up = impact.affected(ci), impact.dependencies(ci)
    # a switch may have thousands: the page shows the first RELATIONS_SHOWN each way, the graph and the API all
    relations_out = list(ci.relations_out.select_related("target__ci_class")
                         .order_by("kind", "target__name")[:RELATIONS_SHOWN + 1])
    relations_in = list(ci.relations_in.select_related("source__ci_class")
                        .order_by("kind", "source__name")[:RELATIONS_SHOWN + 1])
    more_relations = len(relations_out) > RELATIONS_SHOWN or len(relations_in) > RELATIONS_SHOWN
    relations_out, relations_in = relations_out[:RELATIONS_SHOWN], relations_in[:RELATIONS_SHOWN]
    tickets = list(Ticket.objects.visible_to(request.user).filter(affected_cis__ci=ci)
                   .only("number", "kind", "title", "state", "active", "updated_at")
                   .order_by("-active", "-updated_at")[:TICKETS_SHOWN])
    from core import kinds

    for ticket in tickets:
        kind = kinds.find(ticket.kind)
        ticket.state_text = kind.state_label(ticket.state) if kind else ticket.state
        ticket.url = kinds.agent_url_of(ticket)
    return {
        "ci": ci, "form": overrides.get("form") or CIForm(initial=CIForm.initial_of(ci)),
        "attributes_form": overrides.get("attributes_form") or AttributesForm(
            initial=AttributesForm.initial_of(ci), ci_class=ci.ci_class),
        "relate_form": overrides.get("relate_form") or RelateForm(),
        "relations_out": [{"row": r, "label": RelationKind(r.kind).label, "other": r.target} for r in relations_out],
        "relations_in": [{"row": r, "label": INVERSE_LABELS[RelationKind(r.kind)], "other": r.source}
                         for r in relations_in],
        "more_relations": more_relations,
        "affected": down, "affected_items": down.items(limit=IMPACT_SHOWN), "at_risk": down.at_risk(),
        "dependencies": up,
        "dependency_items": up.items(limit=IMPACT_SHOWN), "tickets": tickets,
        "recent": services.labelled(services.recent_changes(ci)[:20], ci.ci_class),
        "services": list(ci.services.order_by("name")),
        "history_count": ci.history.count(), "graph_url": reverse("agent-ci-graph", args=[ci.pk]),
    }


@permission_required("cmdb.read")
def ci_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The CI page; POST saves its fields (with the version it was read at)."""
    ci = load(pk)
    if request.method != "POST":
        return render(request, "cmdb/detail.html", page_context(request, ci))
    if not can(request.user, "cmdb.edit"):
        raise PermissionDenied("Only the service desk records configuration items.")
    form = CIForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("services", "version")}
        try:
            services.update_ci(ci, request.user, data, services=form.cleaned_data["services"],
                               expected_version=form.cleaned_data["version"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{ci.name}: saved.")
            return redirect("agent-ci", ci.pk)
    messages.error(request, "Not saved: correct the fields marked below.")
    return render(request, "cmdb/detail.html", page_context(request, ci, form=form), status=400)


@require_POST
@permission_required("cmdb.edit")
def save_attributes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the class's attributes of a CI."""
    ci = load(pk)
    form = AttributesForm(request.POST, ci_class=ci.ci_class)
    if form.is_valid():
        try:
            services.update_ci(ci, request.user, {"attributes": form.values()})
        except ValidationError as exc:
            form.add_service_errors(exc)
            for text in (m for k, ms in exc.message_dict.items() if not k.startswith("attributes.") for m in ms):
                form.add_error(None, text)
        else:
            messages.success(request, f"{ci.name}: attributes saved.")
            return redirect(reverse("agent-ci", args=[ci.pk]) + "#attributes")
    messages.error(request, "Attributes not saved: correct the fields marked below.")
    return render(request, "cmdb/detail.html", page_context(request, ci, attributes_form=form), status=400)


@require_POST
@permission_required("cmdb.edit")
def relate(request: HttpRequest, pk: int) -> HttpResponse:
    """Relate the CI to another, either way ("runs on esx-01", "hosts vm-07")."""
    ci = load(pk)
    form = RelateForm(request.POST)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            other = find_ci(form.cleaned_data["other"], "other")
            with transaction.atomic():
                if kind.startswith("inverse:"):
                    services.relate(other, ci, kind.removeprefix("inverse:"), request.user)
                else:
                    services.relate(ci, other, kind, request.user)
        except ValidationError as exc:
            errors = exc.message_dict
            for key, texts in errors.items():
                for text in texts:
                    form.add_error("other" if key in ("other", "target", "source") else None, text)
        else:
            messages.success(request, f"{ci.name} and {other.name} are related.")
            return redirect(reverse("agent-ci", args=[ci.pk]) + "#relationships")
    return render(request, "cmdb/detail.html", page_context(request, ci, relate_form=form), status=400)


@require_POST
@permission_required("cmdb.edit")
def unrelate(request: HttpRequest, pk: int, relationship_id: int) -> HttpResponse:
    ci = load(pk)
    relationship = get_object_or_404(Relationship.objects.select_related("source", "target"), pk=relationship_id)
    if ci.pk not in (relationship.source_id, relationship.target_id):
        raise PermissionDenied("That relationship is not this configuration item's.")
    services.unrelate(relationship, request.user)
    messages.success(request, "Relationship removed.")
    return redirect(reverse("agent-ci", args=[ci.pk]) + "#relationships")


@permission_required("cmdb.read")
def ci_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change of a CI, newest first."""
    ci = load(pk)
    page = CappedPaginator(ci.history.select_related("actor"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = services.labelled(page.object_list, ci.ci_class)
    return render(request, "cmdb/history.html", {"ci": ci, "page": page, "page_numbers": page_numbers(page)})
