"""The change pages of the agent workspace: the queue and the change page (the generic ticket page with the
change's window, authorisation and review panel), and the authorisation decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from changes import risk, services
from changes.choices import ChangeType, Risk, State
from changes.conflicts import conflicts
from changes.filters import ChangeFilter
from changes.forms import (
    ChangeForm,
    DecisionForm,
    NewChangeForm,
    OtherServicesForm,
    RiskForm,
    RiskOverrideForm,
    TransitionForm,
)
from changes.kind import CHANGE
from changes.models import StandardChangeTemplate
from changes.task_views import NewTaskForm
from core import approvals, queue_page, writes
from core.html import escape
from core.models import ApprovalState, LinkKind, TicketKind, TicketLink, VoteDecision
from core.permissions import permission_required
from core.queue_page import QueuePage, SavedQueue
from core.services import ConflictError
from core.templatetags.ui import stamp
from core.ticket_forms import add_service_errors
from core.ticket_page import TicketPage
from core.views_approvals import VoteForm
from core.workflow import TransitionError

TYPE_BADGES = {ChangeType.STANDARD: "text-bg-secondary", ChangeType.NORMAL: "text-bg-light border",
               ChangeType.EMERGENCY: "text-bg-danger"}
RISK_BADGES = {Risk.LOW: "text-bg-light border", Risk.MODERATE: "text-bg-info", Risk.HIGH: "text-bg-warning",
               Risk.VERY_HIGH: "text-bg-danger"}


def caused_incidents() -> Any:
    """A subquery: how many incidents are marked "caused by" the outer change."""
    links = (TicketLink.objects.filter(target_id=OuterRef("pk"), kind=LinkKind.CAUSED_BY,
                                       source__kind=TicketKind.INCIDENT)
             .order_by().values("target_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(links), 0)


def type_badge(change: Any) -> str:
    """The change's type as a badge; standard and normal say little, so only emergency stands out."""
    return (f'<span class="badge {TYPE_BADGES[change.change_type]} me-1" data-testid="change-type">'
            f"{escape(ChangeType(change.change_type).label)}</span>")


class ChangeQueue(QueuePage):
    """The change queues: open, mine, my teams' unassigned, waiting for authorisation, scheduled, recent."""

    kind = CHANGE
    filterset = ChangeFilter
    transition_form = TransitionForm
    queues = [
        *(queue_page.standard_queues(CHANGE)[slug] for slug in ("open", "mine", "my-teams")),
        SavedQueue("my-decisions", "Waiting for my decision", "Changes you manage, waiting for your authorisation.",
                   lambda user: {"state": [State.AUTHORIZE], "change_manager": [str(user.pk)]}),
        SavedQueue("authorize", "Waiting for authorisation", "Changes waiting for the change manager's decision.",
                   lambda user: {"state": [State.AUTHORIZE]}),
        SavedQueue("scheduled", "Scheduled", "Scheduled changes, the next window first.",
                   lambda user: {"state": [State.SCHEDULED, State.IMPLEMENT]}, default_ordering=["planned_start"]),
        SavedQueue("caused-incidents", "Caused incidents", "Changes that incidents are marked as caused by, the "
                   "latest first: review what went wrong.", lambda user: {"caused_incidents": ["true"]}),
        queue_page.standard_queues(CHANGE)["recent"],
    ]
    default_queue = "open"
    filter_layout = [
        ("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
        ("change_type", "col-md-6 col-xl-4", True), ("risk", "col-md-6 col-xl-8", True),
        ("team", "col-sm-6 col-lg-3", False), ("assignee", "col-sm-6 col-lg-3", False),
        ("unassigned", "col-sm-6 col-lg-3", False), ("service", "col-sm-6 col-lg-3", False),
        ("caused_incidents", "col-sm-6 col-lg-3", False),
    ]
    related = ("assignee",)
    show_caller = False
    extra_columns = [("Planned start", lambda row: f'<td class="col-time" data-testid="planned-start">'
                                                   f"{stamp(row.planned_start)}</td>")]
    placeholder = "e.g. firewall, CHG0001001"
    new_url_name = "agent-change-new"
    links = [("Calendar", "agent-change-calendar"), ("Change tasks", "agent-change-tasks"),
             ("Releases", "agent-releases")]
    bulk_excluded_states = (State.SCHEDULED, State.REVIEW, State.CLOSED)  # these ask for what only the page shows

    def annotate(self, queryset: Any) -> Any:
        """How many incidents each change caused (the "caused by" links from incidents): flagged on its row."""
        return queryset.annotate(caused=caused_incidents())

    def title_badges(self, row: Any) -> str:
        badges = type_badge(row) if row.change_type == ChangeType.EMERGENCY else ""
        if getattr(row, "caused", 0):
            badges += (f'<span class="badge text-bg-danger me-1" data-testid="caused-incidents" title="Incidents '
                       f'marked as caused by this change">Caused {row.caused} incident{"s" if row.caused > 1 else ""}'
                       "</span>")
        return badges


QUEUE = ChangeQueue()


class ChangePage(TicketPage):
    """The change page: the generic ticket page (conversation, fields, SLA, files, watchers, links) with the
    change's window and authorisation, and its problems and incidents (core.raised_from)."""

    kind = CHANGE
    name = "agent-change"
    fields_form = ChangeForm
    transition_form = TransitionForm
    related = ("requester", "assignee", "change_manager", "authorized_by", "shipped_in")
    badges_template = "changes/agent/_badges.html"
    side_templates = ("changes/agent/_conflicts.html", "changes/agent/_services.html", "changes/agent/_risk.html",
                      "changes/agent/_authorization.html", "changes/agent/_tasks.html")
    action_labels = {State.ASSESS: "Assess", State.AUTHORIZE: "Request authorisation", State.SCHEDULED: "Schedule",
                     State.IMPLEMENT: "Start implementation", State.REVIEW: "Implementation done",
                     State.CLOSED: "Close", State.CANCELLED: "Cancel change"}
    confirm = {State.CANCELLED: "Cancel {number}? A cancelled change cannot be reopened."}

    def action_label(self, current: str, target: str) -> str:
        if current == State.AUTHORIZE and target == State.ASSESS:
            return "Back to assessment"
        if current == State.SCHEDULED and target == State.ASSESS:
            return "Re-plan"
        return super().action_label(current, target)

    def extra_context(self, request: HttpRequest, change: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        approval = approvals.current(change)
        votes = list(approval.votes.all()) if approval else []
        asking = approval is not None and approval.state == ApprovalState.PENDING
        my_vote = next((vote for vote in votes if asking and vote.approver_id == request.user.pk
                        and vote.decision == VoteDecision.PENDING), None)
        asked = risk.questions()
        others = list(change.other_services.order_by("name"))
        answers = list(change.risk_answers.select_related("question", "answer")) if change.risk_computed else []
        return {"decision_form": overrides.pop("decision_form", None) or DecisionForm(
                    initial={"version": change.version}),
                "risk_form": overrides.pop("risk_form", None) or RiskForm(
                    questions=asked, chosen={a.question_id: a.answer_id for a in answers},
                    initial={"version": change.version}),
                "override_form": overrides.pop("override_form", None) or RiskOverrideForm(
                    initial={"version": change.version, "risk": change.risk}),
                "risk_answers": answers,
                "tasks": list(change.tasks.select_related("assignee", "team").order_by("order", "ticket_ptr_id")),
                "task_form": overrides.pop("task_form", None) or NewTaskForm(),
                "other_services": others,
                "services_form": overrides.pop("services_form", None) or OtherServicesForm(
                    initial={"other_services": [service.pk for service in others]}),
                "may_override": change.active and services.may_decide(request.user, change),
                "may_decide": change.state == State.AUTHORIZE and services.may_decide(request.user, change),
                "approval": approval, "votes": votes,
                "approval_rule": approval and approvals.describe(approval.rule, approval.required, len(votes)),
                "approval_progress": approval and approvals.progress(approval, votes),
                "my_vote": my_vote, "vote_form": my_vote and VoteForm(prefix=f"vote-{my_vote.pk}"),
                "conflicts": SimpleLazyObject(lambda: conflicts(change, request.user) if change.active else [])}

    def move(self, request: HttpRequest, change: Any, target: str, form: forms.Form) -> str:
        """A move, and when it schedules the change, what its window collides with (warnings: the desk decides)."""
        message = super().move(request, change, target, form)
        if target != State.SCHEDULED:
            return message
        found = conflicts(CHANGE.model.objects.get(pk=change.pk), request.user)
        return " ".join([message, *(f"Scheduled despite a conflict: {conflict.text}" for conflict in found)])


PAGE = ChangePage()


@require_POST
@permission_required("tickets.work")
def decide(request: HttpRequest, number: str) -> HttpResponse:
    """Approve a change waiting for authorisation, or reject it with a reason (back to assessment)."""
    form = DecisionForm(request.POST)
    return change_write(request, number, form, lambda change, data: services.decide(
        change, request.user, approve=data["decision"] == "approve", comment=data["comment"],
        expected_version=data["version"]),
        lambda data: f"{number} is authorised: it can be scheduled." if data["decision"] == "approve"
        else f"{number} was rejected and is back in assessment.", "decision_form")


def change_write(request: HttpRequest, number: str, form: forms.Form, write: Any, success: str | Any,
                 form_name: str) -> HttpResponse:
    """Run one of the change's own writes from its page (the authorisation decision, the risk, the services it also
    affects): success back to the page with `success` (a text, or made from the form's data); a refusal or a
    stale version as a message; bad input re-renders the page with the form and its errors (nothing typed is
    lost)."""
    change = PAGE.load(request, number)
    if form.is_valid():
        try:
            write(change, form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ConflictError:
            messages.error(request, PAGE.stale_text())
        except (ValidationError, TransitionError) as exc:
            form.add_error(None, writes.error_text(exc))
            return PAGE.render_page(request, change, status=400, **{form_name: form})
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
        return redirect("agent-change", number)
    return PAGE.render_page(request, change, status=400, **{form_name: form})


@require_POST
@permission_required("tickets.work")
def set_services(request: HttpRequest, number: str) -> HttpResponse:
    """The services the change also affects."""
    form = OtherServicesForm(request.POST)
    return change_write(request, number, form, lambda change, data: services.set_other_services(
        change, request.user, data["other_services"]), f"{number}: services affected saved.", "services_form")


@require_POST
@permission_required("tickets.work")
def assess_risk(request: HttpRequest, number: str) -> HttpResponse:
    """Answer the risk questionnaire: the change's risk follows."""
    form = RiskForm(request.POST, questions=risk.questions())
    return change_write(request, number, form, lambda change, data: risk.assess(
        change, request.user, form.answers(), expected_version=data["version"]),
        f"{number}: risk assessed.", "risk_form")


@require_POST
@permission_required("tickets.work")
def override_risk(request: HttpRequest, number: str) -> HttpResponse:
    """The change manager overrides the questionnaire's risk with a reason."""
    form = RiskOverrideForm(request.POST)
    return change_write(request, number, form, lambda change, data: risk.override(
        change, request.user, data["risk"], data["reason"], expected_version=data["version"]),
        f"{number}: risk overridden.", "override_form")


@permission_required("tickets.work")
def new_change(request: HttpRequest) -> HttpResponse:
    """Raise a change (the agent is its requester; the change manager and the team come on its page)."""
    templates = StandardChangeTemplate.objects.filter(active=True)
    chosen = templates.filter(pk=request.GET["template"]).first() if request.GET.get("template", "").isdigit() else None
    form = NewChangeForm(request.POST or None, initial=chosen.change_data() if chosen else None)
    if request.method == "POST" and form.is_valid():
        try:
            change = CHANGE.action(services.raise_change)(request.user, form.cleaned_data, chosen)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{change.number} raised: plan it, then move it to assessment.")
            return redirect("agent-change", change.number)
    return render(request, "changes/agent/new.html", {"form": form, "kind": CHANGE, "templates": templates,
                                                      "chosen": chosen},
                  status=400 if form.is_bound else 200)
