"""The catalog builder: service owners (managers, administrators) make and change items without the Django admin.

One page per item holds its description, the fields of its form (in order, with their conditions), its approval
steps and its fulfilment plan (tasks by stage); each part is saved on its own, and the preview shows the form as
the portal draws it (conditions working, ordering off). Every change is refused with the field named when it would
make an item that cannot be ordered or fulfilled.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from catalog import grants
from catalog.forms import ApprovalStepForm, CatalogItemForm, CategoryForm, FulfilmentStepForm, VariableForm
from catalog.models import CatalogCategory, CatalogItem, Variable
from catalog.portal_views import field_rows
from core.permissions import permission_required


def describe_condition(variable: Variable) -> str:
    if not variable.show_when_id or variable.show_when is None:
        return ""
    return f"Shown when {variable.show_when.label} is {variable.show_when_value}"


@permission_required("catalog.manage")
def home(request: HttpRequest) -> HttpResponse:
    """Every item by category (retired ones too), with how many fields, approvals and tasks it has; a category
    added or changed (`?category=<id>` opens one to change)."""
    editing = None
    if (request.POST.get("category") or request.GET.get("category") or "").isdigit():
        editing = get_object_or_404(CatalogCategory, pk=int(request.POST.get("category") or request.GET["category"]))
    category_form = CategoryForm(request.POST or None, instance=editing, prefix="category")
    if request.method == "POST" and category_form.is_valid():
        saved = category_form.save()
        messages.success(request, f"Category “{saved.name}” saved.")
        return redirect("catalog-builder")
    items = (CatalogItem.objects.select_related("category")
             .annotate(fields=Count("variables", distinct=True), approvals=Count("approval_steps", distinct=True),
                       tasks=Count("plan", distinct=True))
             .order_by("category__order", "category__name", "order", "name"))
    by_category: dict[CatalogCategory, list[CatalogItem]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item)
    empty = CatalogCategory.objects.exclude(pk__in=[c.pk for c in by_category]).order_by("order", "name")
    return render(request, "catalog/builder/home.html", {
        "by_category": by_category, "empty_categories": empty, "category_form": category_form, "editing": editing},
        status=400 if request.method == "POST" else 200)


@permission_required("catalog.manage")
def new_item(request: HttpRequest) -> HttpResponse:
    form = CatalogItemForm(request.POST or None, request.FILES or None, prefix="item")
    if request.method == "POST" and form.is_valid():
        item = form.save()
        messages.success(request, f"{item.name} created. Now give it the fields of its form.")
        return redirect("catalog-builder-item", pk=item.pk)
    return render(request, "catalog/builder/new_item.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


SECTIONS = ("item", "field", "field-delete", "field-move", "approval", "approval-delete", "step", "step-delete")


@permission_required("catalog.manage")
def item_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One item's builder. A POST names its section (the item, a field added or changed, deleted or moved, an
    approval step or a task added or deleted); a refused change shows again with its errors, nothing lost."""
    item = get_object_or_404(CatalogItem.objects.select_related("category", "access_system"), pk=pk)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            raise Http404("No such part of the item.")
        with transaction.atomic():
            done, bound = save_section(request, item, section)
        if done:
            messages.success(request, done)
            anchor = {"item": "item", "approval": "approvals", "approval-delete": "approvals", "step": "plan",
                      "step-delete": "plan"}.get(section, "fields")
            return redirect(f"{reverse('catalog-builder-item', args=[item.pk])}#{anchor}")
    return render_item(request, item, bound, status=400 if bound else 200)


def render_item(request: HttpRequest, item: CatalogItem, bound: dict[str, Any], *, status: int = 200) -> HttpResponse:
    variables = list(item.variables.select_related("show_when"))
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = next((v for v in variables if v.pk == int(request.GET["edit"])), None)
    if "field" in bound:
        field_form = bound["field"]
        editing = field_form.instance if field_form.instance.pk else None
    else:
        field_form = VariableForm(instance=editing, item=item, prefix="field")
    steps = list(item.approval_steps.select_related("group"))
    plan = list(item.plan.select_related("team"))
    stages: dict[int, list[Any]] = {}
    for step in plan:
        stages.setdefault(step.stage, []).append(step)
    return render(request, "catalog/builder/item.html", {
        "item": item, "item_form": bound.get("item") or CatalogItemForm(instance=item, prefix="item"),
        "fields": [{"v": v, "condition": describe_condition(v)} for v in variables],
        "built_in": grants.built_in(item, None), "field_form": field_form, "editing": editing,
        "steps": steps, "approval_form": bound.get("approval") or ApprovalStepForm(item=item, prefix="approval"),
        "owner_added": item.item_type == "access" and not any(s.approver == "system_owner" for s in steps),
        "stages": sorted(stages.items()),
        "step_form": bound.get("step") or FulfilmentStepForm(prefix="step", initial={
            "stage": max(stages) if stages else 1}),
    }, status=status)


def save_section(request: HttpRequest, item: CatalogItem, section: str) -> tuple[str, dict[str, Any]]:
    """Save one part of the item: a message when done, else the bound form with its errors."""
    post = request.POST
    if section == "item":
        item_form = CatalogItemForm(post, request.FILES, instance=item, prefix="item")
        if not item_form.is_valid():
            return "", {"item": item_form}
        item_form.save()
        return f"{item.name} saved.", {}
    if section == "field":
        instance = item.variables.filter(pk=post.get("variable")).first() if post.get("variable", "").isdigit() \
            else None
        field_form = VariableForm(post, instance=instance, item=item, prefix="field")
        if not field_form.is_valid():
            return "", {"field": field_form}
        variable = field_form.save(commit=False)
        variable.item = item
        if variable.pk is None:
            variable.order = (max(item.variables.values_list("order", flat=True), default=0) or 0) + 1
        variable.save()
        return f"Field “{variable.label}” saved.", {}
    if section == "field-delete":
        variable = get_object_or_404(Variable, pk=post.get("variable", 0) if post.get("variable", "").isdigit()
                                     else 0, item=item)
        dependants = list(item.variables.filter(show_when=variable).values_list("label", flat=True))
        if dependants:
            messages.error(request, f"“{variable.label}” shows {', '.join(dependants)}: change their condition "
                                    "first.")
            return "", {}
        variable.delete()
        return f"Field “{variable.label}” removed.", {}
    if section == "field-move":
        return move_field(item, post.get("variable", ""), post.get("direction", "")), {}
    if section == "approval":
        approval_form = ApprovalStepForm(post, item=item, prefix="approval")
        if not approval_form.is_valid():
            return "", {"approval": approval_form}
        step = approval_form.save(commit=False)
        step.item = item
        step.order = item.approval_steps.count() + 1
        step.save()
        return "Approval step added.", {}
    if section == "step":
        step_form = FulfilmentStepForm(post, prefix="step")
        if not step_form.is_valid():
            return "", {"step": step_form}
        task = step_form.save(commit=False)
        task.item = item
        task.order = item.plan.filter(stage=task.stage).count() + 1
        task.save()
        return f"Task “{task.title}” added to stage {task.stage}.", {}
    related = item.approval_steps if section == "approval-delete" else item.plan
    pk = post.get("step", "")
    found = related.filter(pk=int(pk)).first() if pk.isdigit() else None
    if found is None:
        raise Http404("No such step.")
    found.delete()
    if section == "approval-delete":
        for n, step in enumerate(item.approval_steps.order_by("order", "pk"), start=1):
            type(step).objects.filter(pk=step.pk).update(order=n)
    return "Step removed.", {}


def move_field(item: CatalogItem, pk: str, direction: str) -> str:
    """Swap a field with its neighbour above or below (renumbering the form's fields 1, 2, 3...)."""
    variables = list(item.variables.order_by("order", "pk"))
    index = next((n for n, v in enumerate(variables) if str(v.pk) == pk), None)
    if index is None or direction not in ("up", "down"):
        raise Http404("No such field.")
    moved = variables[index]
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(variables):
        variables[index], variables[other] = variables[other], variables[index]
    for n, variable in enumerate(variables, start=1):
        if variable.order != n:
            Variable.objects.filter(pk=variable.pk).update(order=n)
    return f"“{moved.label}” moved {direction}."


@permission_required("catalog.manage")
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The item's order form as the portal draws it, conditions working, ordering off (retired items too)."""
    item = get_object_or_404(CatalogItem.objects.select_related("category", "service", "access_system"), pk=pk)
    variables = grants.form_variables(item, request.user)
    return render(request, "portal/catalog_item.html", {
        "item": item, "rows": field_rows(variables, {}, {}), "errors": {}, "for_someone": False, "people": [],
        "preview": True})
