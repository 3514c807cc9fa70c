"""The problem pages of the agent workspace: the queue, the problem page (the generic ticket page with the
problem's panels), the known-error database, and the actions that raise or link a problem from incidents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import queue_page, writes
from core.pagination import page_numbers, paginate_html
from core.permissions import permission_required
from core.queue_page import QueuePage, SavedQueue
from core.related import similar
from core.ticket_page import TicketPage, bulk_texts
from incidents.kind import INCIDENT
from incidents.models import Incident
from problems import services
from problems.choices import State
from problems.filters import ProblemFilter
from problems.forms import ProblemForm, PublishForm, TransitionForm
from problems.kind import PROBLEM
from problems.models import Problem

PAGE_SIZE = 50
ACTION_LABELS: dict[str, str] = {State.ASSESSMENT: "Start assessment", State.ROOT_CAUSE_ANALYSIS: "Analyse root cause",
                 State.FIX_IN_PROGRESS: "Start fix", State.RESOLVED: "Resolve", State.CLOSED: "Close",
                 State.CANCELLED: "Cancel problem"}


def problems_for(user: Any) -> QuerySet[Problem]:
    """The problems `user` may see, with what the known-error database reads (one query)."""
    return Problem.objects.visible_to(user).select_related(
        "team", "assignee", "service", "category__parent").annotate(incident_count=services.incident_count())


class ProblemQueue(QueuePage):
    """The problem queues: open, mine, my teams' unassigned, known errors, recently updated."""

    kind = PROBLEM
    filterset = ProblemFilter
    transition_form = TransitionForm
    queues = [
        *(queue_page.standard_queues(PROBLEM)[slug] for slug in ("open", "mine", "my-teams")),
        SavedQueue("known-errors", "Known errors", "Open problems with a root cause and a workaround.",
                   lambda user: {"active": ["true"], "known_error": ["true"]}),
        queue_page.standard_queues(PROBLEM)["recent"],
    ]
    default_queue = "open"
    filter_layout = [
        ("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
        ("priority", "col-md-6 col-xl-4", True), ("known_error", "col-sm-6 col-lg-3", False),
        ("team", "col-sm-6 col-lg-3", False), ("assignee", "col-sm-6 col-lg-3", False),
        ("unassigned", "col-sm-6 col-lg-3", False), ("service", "col-sm-6 col-lg-3", False),
        ("category", "col-sm-6 col-lg-3", False),
    ]
    related = ("assignee",)
    show_caller = False
    extra_columns = [("Incidents", lambda row: f'<td class="col-count text-end" data-testid="incident-count">'
                                               f"{int(row.incident_count)}</td>")]
    links = [("Known-error database", "agent-known-errors")]
    placeholder = "e.g. spooler, PRB0001001"
    bulk_excluded_states = (State.RESOLVED,)  # resolving asks for the fix and offers to resolve the incidents

    def annotate(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(incident_count=services.incident_count())

    def title_badges(self, row: Any) -> str:
        return ('<span class="badge text-bg-warning me-1" data-testid="known-error">Known error</span>'
                if row.known_error else "")


QUEUE = ProblemQueue()


@permission_required("tickets.work")
def known_errors(request: HttpRequest) -> HttpResponse:
    """The known-error database: open known errors, searchable by symptom text, service and category."""
    params = request.GET.copy()
    params.setdefault("known_error", "true")
    filterset = ProblemFilter(params, queryset=problems_for(request.user).filter(active=True), request=request)
    QUEUE.style_filters(filterset.form, request.user, names=("service", "category"))
    rows = filterset.qs.order_by("-known_error_at", "-id") if filterset.is_valid() else Problem.objects.none()
    page = paginate_html(rows, {"page": request.GET.get("page")}, PAGE_SIZE)
    return render(request, "problems/known_errors.html", {"page": page, "page_numbers": page_numbers(page),
                                                          "form": filterset.form},
                  status=200 if filterset.is_valid() else 400)


class ProblemPage(TicketPage):
    """The problem page: the generic ticket page (conversation, fields, SLA, files, watchers, links) with the
    problem's incidents, its workaround and the similar open incidents as side panels."""

    kind = PROBLEM
    name = "agent-problem"
    fields_form = ProblemForm
    transition_form = TransitionForm
    kept = (*TicketPage.kept, "category")
    badges_template = "problems/agent/_badges.html"
    side_templates = ("problems/agent/_workaround.html", "problems/agent/_similar.html")
    action_labels = ACTION_LABELS
    confirm = {State.CANCELLED: "Cancel {number}? A cancelled problem cannot be reopened."}
    extra_needs = {State.RESOLVED: ("resolve_incidents",)}

    def action_label(self, current: str, target: str) -> str:
        if current == State.RESOLVED and target in PROBLEM.workflow.open_states:
            return "Reopen"
        return super().action_label(current, target)

    def extra_context(self, request: HttpRequest, problem: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        return {
            "publish_form": PublishForm(),
            "is_open": problem.state in PROBLEM.workflow.open_states,
        }

    def move(self, request: HttpRequest, problem: Any, target: str, form: forms.Form) -> str:
        """Resolving takes the permanent fix and may resolve the problem's open incidents; the incidents that
        refused, or that other teams decide, are said as warnings."""
        data = form.cleaned_data
        moved = services.transition(problem, request.user, target, expected_version=data.get("version"),
                                    fix=data.get("fix") or "", resolve_incidents=bool(data.get("resolve_incidents")))
        texts = bulk_texts(moved.incidents, "Resolved with it:", INCIDENT)
        for text in texts[1:] if moved.incidents and moved.incidents.updated else texts:
            messages.warning(request, text)
        done = texts[:1] if moved.incidents and moved.incidents.updated else []
        return " ".join([f"{moved.problem.number} is now {moved.problem.get_state_display().lower()}.", *done])


PAGE = ProblemPage()


def similar_open_incidents(problem: Problem, user: Any, limit: int = 10) -> QuerySet[Incident]:
    """Open incidents not linked yet that look like this problem: same service or category, or matching its
    title's words (full text), the most recent first."""
    linked = services.linked_incidents(problem).values("pk")
    base = Incident.objects.visible_to(user).filter(active=True).exclude(pk__in=linked)
    return similar(base, problem.title, service_id=problem.service_id,
                            category_id=problem.category_id).order_by("-opened_at")[:limit]


@require_POST
@permission_required("tickets.work")
def publish(request: HttpRequest, number: str) -> HttpResponse:
    """Push the workaround to the problem's open incidents, as work notes or as comments their requesters read."""
    problem = PAGE.load(request, number)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.publish_workaround(problem, request.user, public=form.cleaned_data["public"])
        except ValidationError as exc:
            messages.error(request, writes.error_text(exc))
        else:
            if not outcome.updated:
                messages.success(request, "Workaround published: no open incident of yours to push it to yet.")
            for text in bulk_texts(outcome, "Workaround published to", INCIDENT):
                (messages.success if text.startswith("Workaround") else messages.warning)(request, text)
        return redirect("agent-problem", number)
    return PAGE.render_page(request, problem, status=400, publish_form=form)


@permission_required("tickets.work")
def similar_incidents(request: HttpRequest, number: str) -> HttpResponse:
    """The open incidents that look like a problem, as its page's panel lists them: loaded after the page
    (htmx), the page does not wait for the text search."""
    problem = PAGE.load(request, number)
    return render(request, "problems/agent/_similar_list.html",
                  {"similar": similar_open_incidents(problem, request.user)})


@permission_required("tickets.work")
def known_error_suggestions(request: HttpRequest, number: str) -> HttpResponse:
    """The known errors that may explain an incident (by service, category and text), as the incident page's
    problem panel shows them: loaded after the page (htmx), the page does not wait for the text search."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), number=number)
    return render(request, "problems/_known_error_suggestions.html", {
        "known_errors": services.known_errors_for(incident, request.user), "incident_number": incident.number})


