"""The problem pages of the agent workspace: the queue, the problem page, the known-error database, and the
actions that raise or link a problem from an incident page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import clock, journal, writes
from core.net import safe_next
from core.pagination import InvalidCursor, page_numbers, paginate_html
from core.permissions import permission_required
from core.queues import sort_links
from core.services import ConflictError
from core.ticket_filters import DEFAULT_ORDERING, parse_ordering
from core.widgets import ListSelect
from core.workflow import TransitionError
from incidents.models import Incident
from problems import services
from problems.choices import State
from problems.filters import ProblemFilter
from problems.forms import (
    LinkIncidentForm,
    NoteForm,
    ProblemForm,
    PublishForm,
    QueueRaiseOrLinkForm,
    RaiseOrLinkForm,
    TransitionForm,
)
from problems.kind import PROBLEM
from problems.models import Problem
from sla.display import timer_views

PAGE_SIZE = 50
ACTION_LABELS: dict[str, str] = {State.ASSESSMENT: "Start assessment", State.ROOT_CAUSE_ANALYSIS: "Analyse root cause",
                 State.FIX_IN_PROGRESS: "Start fix", State.RESOLVED: "Resolve", State.CLOSED: "Close",
                 State.CANCELLED: "Cancel problem"}


def errors_of(exc: ValidationError | TransitionError) -> str:
    return " ".join(writes.messages_of(exc))


def put_back(form: Any, exc: ValidationError | TransitionError) -> None:
    """A refusal's messages on the form's fields (those of no field of the form above it)."""
    for name, errors in writes.errors_by_field(exc).items():
        form.add_error(name if name in form.fields else None, errors)


def problems_for(user: Any) -> QuerySet[Problem]:
    """The problems `user` may see, with what the queue, the known errors and the page read (one query)."""
    return Problem.objects.visible_to(user).select_related(
        "team", "assignee", "service", "category__parent").annotate(incident_count=services.incident_count())


def style_filters(form: Any) -> None:
    """Single selects with words ("Any", "Open"), never a multi-select box or "Unknown"."""
    for name in ("team", "service", "category"):
        if name in form.fields:
            field = form.fields[name]
            field.widget = ListSelect(choices=[("", "Any"), *field.choices])
    words = {"active": ("Open", "Closed or cancelled"), "known_error": ("Known errors only", "Not known errors")}
    for name, (yes, no) in words.items():
        if name in form.fields:
            form.fields[name].widget.choices = [("unknown", "Any"), ("true", yes), ("false", no)]
    form.fields["q"].label = "Text or number"
    form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "e.g. spooler, PRB0001001"})


@permission_required("tickets.work")
def queue(request: HttpRequest) -> HttpResponse:
    """Problems the agent can see, filtered by the kind's FilterSet (the open ones when no filter is given) and
    sorted by a column; a bad filter, ordering or cursor answers 400 with the reason."""
    params = request.GET.copy()
    if not set(params) - {"page", "cursor", "ordering"}:
        params["active"] = "true"
    filterset = ProblemFilter(params, queryset=problems_for(request.user), request=request)
    style_filters(filterset.form)
    errors = []
    try:
        ordering = parse_ordering(request.GET.get("ordering"), [*DEFAULT_ORDERING, "-id"])
    except ValueError as exc:
        errors.append(str(exc))
        ordering = [*DEFAULT_ORDERING, "-id"]
    valid = filterset.is_valid() and not errors
    rows = filterset.qs.order_by(*ordering) if valid else Problem.objects.none()
    try:
        page = paginate_html(rows, request.GET, PAGE_SIZE)
    except InvalidCursor as exc:
        errors.append(str(exc))
        page = paginate_html(Problem.objects.none(), {}, PAGE_SIZE)
    return render(request, "problems/queue.html", {
        "page": page, "page_numbers": page_numbers(page), "form": filterset.form, "errors": errors,
        "sort": sort_links(request, ordering), "now": clock.now(),
    }, status=200 if valid and not errors else 400)


@permission_required("tickets.work")
def known_errors(request: HttpRequest) -> HttpResponse:
    """The known-error database: open known errors, searchable by symptom text, service and category."""
    params = request.GET.copy()
    params.setdefault("known_error", "true")
    filterset = ProblemFilter(params, queryset=problems_for(request.user).filter(active=True), request=request)
    style_filters(filterset.form)
    rows = filterset.qs.order_by("-known_error_at", "-id") if filterset.is_valid() else Problem.objects.none()
    page = paginate_html(rows, {"page": request.GET.get("page")}, PAGE_SIZE)
    return render(request, "problems/known_errors.html", {"page": page, "page_numbers": page_numbers(page),
                                                          "form": filterset.form},
                  status=200 if filterset.is_valid() else 400)


def load(request: HttpRequest, number: str) -> Problem:
    """The problem of the URL if the user may see it (404 otherwise)."""
    return get_object_or_404(problems_for(request.user), number=number)


def page(request: HttpRequest, problem: Problem, status: int = 200, **forms_: Any) -> HttpResponse:
    """The problem page; `forms_` replaces a form by the one that failed (with its input and errors)."""
    incidents = services.linked_incidents(problem).filter(
        pk__in=Incident.objects.visible_to(request.user).values("pk")).select_related("assignee")
    context = {
        "problem": problem, "incident": problem, "incidents": incidents,
        "entries": journal.activity(problem, request.user),
        "actions": [{"state": target, "label": ACTION_LABELS.get(target, PROBLEM.state_label(target))}
                    for target in PROBLEM.workflow.allowed_from(problem.state)],
        "is_open": problem.state in PROBLEM.workflow.open_states,
        "editable": problem.state not in PROBLEM.workflow.final_states,
        "fields_form": forms_.get("fields_form") or ProblemForm(problem=problem),
        "transition_form": forms_.get("transition_form") or TransitionForm(initial={"version": problem.version}),
        "publish_form": forms_.get("publish_form") or PublishForm(),
        "link_form": forms_.get("link_form") or LinkIncidentForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "failed_state": forms_.get("failed_state", ""),
        "similar": similar_open_incidents(problem, request.user),
        "sla_timers": timer_views(problem.pk),
    }
    return render(request, "problems/detail.html", context, status=status)


def similar_open_incidents(problem: Problem, user: Any, limit: int = 10) -> QuerySet[Incident]:
    """Open incidents not linked yet that look like this problem: same service or category, or matching its
    title's words (full text), the most recent first."""
    linked = services.linked_incidents(problem).values("pk")
    base = Incident.objects.visible_to(user).filter(active=True).exclude(pk__in=linked)
    return services.similar(base, problem.title, service_id=problem.service_id,
                            category_id=problem.category_id).order_by("-opened_at")[:limit]


@permission_required("tickets.work")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the problem page. POST: save its fields (with the version the form was rendered with)."""
    problem = load(request, number)
    if request.method != "POST":
        return page(request, problem)
    form = ProblemForm(request.POST, problem=problem)
    if form.is_valid():
        try:
            changes = form.changes()
            services.update_problem(problem, request.user, changes, expected_version=form.cleaned_data["version"])
        except ConflictError:
            messages.error(request, "Not saved: someone else changed this problem meanwhile. Your input is kept.")
            return page(request, load(request, number), status=409, fields_form=form)
        except ValidationError as exc:
            put_back(form, exc)
        else:
            messages.success(request, "Saved." if changes else "Nothing to save: no field was changed.")
            return redirect("agent-problem", number)
    messages.error(request, "Not saved: correct the fields marked below.")
    return page(request, problem, status=400, fields_form=form)


@require_POST
@permission_required("tickets.work")
def take(request: HttpRequest, number: str) -> HttpResponse:
    """Assign the problem to me (and start its assessment when it is new)."""
    problem = load(request, number)
    try:
        services.take(problem, request.user)
    except ValidationError as exc:
        messages.error(request, errors_of(exc))
    else:
        messages.success(request, f"You took {problem.number}.")
    return redirect("agent-problem", number)


def outcome_messages(request: HttpRequest, outcome: services.Outcome | None, done: str) -> None:
    """Say what an action did to the problem's incidents: how many, which refused and why, how many were left
    alone because they are out of the agent's sight."""
    if outcome is None:
        return
    if outcome.changed:
        count = len(outcome.changed)
        messages.success(request, f"{done} {count} incident{'s' if count != 1 else ''}: {', '.join(outcome.changed)}.")
    for number, errors in sorted(outcome.refused.items()):
        messages.error(request, f"{number} was not changed: {' '.join(errors)}")
    if outcome.out_of_sight:
        messages.warning(request, f"{outcome.out_of_sight} open incident{'s' if outcome.out_of_sight != 1 else ''} "
                                  "of other teams were left alone: their teams decide.")


@require_POST
@permission_required("tickets.work")
def change_state(request: HttpRequest, number: str) -> HttpResponse:
    """Move the problem; resolving takes the permanent fix and may resolve its open incidents."""
    problem = load(request, number)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.transition(problem, request.user, data["state"], expected_version=data["version"],
                                        fix=data["fix"], resolve_incidents=data["resolve_incidents"])
        except ConflictError:
            messages.error(request, "This problem changed since you opened it, so nothing was done.")
            return redirect("agent-problem", number)
        except (ValidationError, TransitionError) as exc:
            messages.error(request, f"{problem.number} was not changed: {errors_of(exc)}")
            put_back(form, exc)
            return page(request, problem, status=400, transition_form=form, failed_state=data["state"])
        messages.success(request, f"{problem.number} is now {moved.problem.get_state_display().lower()}.")
        outcome_messages(request, moved.incidents, "Resolved with it:")
        return redirect("agent-problem", number)
    messages.error(request, "Choose a valid state.")
    return page(request, problem, status=400, transition_form=form)


@require_POST
@permission_required("tickets.work")
def publish(request: HttpRequest, number: str) -> HttpResponse:
    """Push the workaround to the problem's open incidents, as work notes or as comments their requesters read."""
    problem = load(request, number)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.publish_workaround(problem, request.user, public=form.cleaned_data["public"])
        except ValidationError as exc:
            messages.error(request, errors_of(exc))
        else:
            if not outcome.changed:
                messages.success(request, "Workaround published: no open incident of yours to push it to yet.")
            outcome_messages(request, outcome, "Workaround published to")
        return redirect("agent-problem", number)
    return page(request, problem, status=400, publish_form=form)


@require_POST
@permission_required("tickets.work")
def link(request: HttpRequest, number: str) -> HttpResponse:
    """Link an incident (by number) to this problem."""
    problem = load(request, number)
    form = LinkIncidentForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            linked = services.link_incident(problem, form.cleaned_data["incident"], request.user)
        except ValidationError as exc:
            form.add_error("incident", errors_of(exc))
        else:
            number_ = form.cleaned_data["incident"].number
            messages.success(request, f"{number_} is linked to {problem.number}." if linked
                             else f"{number_} was already linked to {problem.number}.")
            return redirect(reverse("agent-problem", args=[number]) + "#incidents")
    return page(request, problem, status=400, link_form=form)


@require_POST
@permission_required("tickets.work")
def note(request: HttpRequest, number: str) -> HttpResponse:
    """Add a work note (problems stay in the service desk: every note is internal)."""
    problem = load(request, number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            writes.comment(problem, request.user, form.cleaned_data["body"], internal=True)
        except ValidationError as exc:
            form.add_error("body", errors_of(exc))
        else:
            messages.success(request, "Work note added.")
            return redirect(reverse("agent-problem", args=[number]) + "#activity")
    return page(request, problem, status=400, note_form=form)


@require_POST
@permission_required("tickets.work")
def from_incident(request: HttpRequest, number: str) -> HttpResponse:
    """Raise a problem from an incident page (its fields taken from the incident), or link the incident to an
    open problem given by number."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), number=number)
    form = RaiseOrLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        problem, raised = services.raise_or_link(request.user, [incident], form.cleaned_data["problem"])
    except ValidationError as exc:
        messages.error(request, f"{incident.number} was not linked: {errors_of(exc)}")
        return redirect("agent-incident", number)
    messages.success(request, f"{problem.number} raised from {incident.number}." if raised
                     else f"{incident.number} is linked to {problem.number}.")
    return redirect("agent-problem", problem.number)


@require_POST
@permission_required("tickets.work")
def from_incidents(request: HttpRequest) -> HttpResponse:
    """Raise one problem for the incidents ticked in the incident queue (its fields from the oldest of them), or
    link them all to the open problem given by number (all or none)."""
    back = safe_next(request, reverse("agent-incidents"))
    form = QueueRaiseOrLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        incidents = services.visible_incidents(request.user, numbers=form.cleaned_data["numbers"])
        incidents.sort(key=lambda incident: incident.opened_at)
        problem, raised = services.raise_or_link(request.user, incidents, form.cleaned_data["problem"])
    except ValidationError as exc:
        messages.error(request, f"Nothing was changed: {errors_of(exc)}")
        return redirect(back)
    listed = f"{len(incidents)} incident{'s' if len(incidents) != 1 else ''}: {', '.join(i.number for i in incidents)}"
    messages.success(request, f"{problem.number} {'raised for' if raised else 'now lists'} {listed}.")
    return redirect("agent-problem", problem.number)
