"""The end users' portal: report an issue, follow my tickets, talk with the desk, reopen or confirm.

An end user only ever sees the public side of a ticket: comments (never work notes), the state, who works on it,
public attachments and public field changes. Every query starts from `Incident.objects.visible_to(user)`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Role, role_of
from core import access, journal
from core.models import Attachment, JournalEntry, JournalKind, Watcher
from core.pagination import CappedPaginator, page_numbers
from core.permissions import permission_required
from core.ticket_forms import add_service_errors
from core.ticket_page import post_reply
from core.workflow import TransitionError
from incidents import services
from incidents.choices import REQUESTER_TRANSITIONS, Channel, HoldReason, State
from incidents.forms import (
    PortalReplyForm,
    PortalTransitionForm,
    ReportIncidentForm,
    WithdrawForm,
)
from incidents.models import Incident

PAGE_SIZE = 20
# Public field changes an end user sees as small events in the conversation.
PORTAL_EVENT_FIELDS = ("state", "assignee", "team", "attachment")
# What the requester's buttons say, per allowed transition.
REQUESTER_ACTIONS = {
    State.CLOSED: "Yes, it is solved: close it",
    State.IN_PROGRESS: "No, reopen it",
    State.CANCELLED: "Withdraw this ticket",
}


def portal_incidents(user) -> QuerySet[Incident]:
    """"My tickets": the access rule, narrowed for the desk's staff to what they raised or watch themselves.

    For an end user this is exactly `visible_to` (their own, watched, and their organization's if it shares).
    """
    qs = Incident.objects.visible_to(user)
    if role_of(user) == Role.END_USER:
        return qs
    watched = Exists(Watcher.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk))
    return qs.filter(Q(requester_id=user.pk) | watched)


def _visible_incident(request: HttpRequest, number: str) -> Incident:
    qs = Incident.objects.visible_to(request.user).select_related("requester", "team", "assignee", "service")
    return get_object_or_404(qs, number=number)


def status_text(incident: Incident) -> str:
    """The state in the requester's words."""
    if incident.state == State.ON_HOLD and incident.hold_reason == HoldReason.AWAITING_CALLER:
        return "Waiting for your reply"
    if incident.state == State.NEW:
        return "Received"
    if incident.state == State.RESOLVED:
        return "Resolved: please confirm"
    return incident.get_state_display()


def with_status_text(incidents) -> list[Incident]:
    """Give each incident its state in the requester's words (`status_text`), for the lists."""
    incidents = list(incidents)
    for incident in incidents:
        incident.status_text = status_text(incident)
    return incidents


@permission_required("portal.use")
def report(request: HttpRequest) -> HttpResponse:
    """Report an issue. On error everything typed is shown again, and the chosen files are kept (core.kept_uploads)."""
    form = ReportIncidentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.create_incident(
                    request.user, form.service_data(), channel=Channel.PORTAL,
                    uploads=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Thank you: your issue is recorded as {incident.number}. "
                                          "We will keep you posted here and by e-mail.")
                return redirect("portal-incident", number=incident.number)
        status = 400
    return render(request, "portal/report.html", {"form": form}, status=status)


@permission_required("portal.use")
def my_tickets(request: HttpRequest) -> HttpResponse:
    """The user's tickets (and their colleagues' where the organization shares), newest update first."""
    qs = portal_incidents(request.user).select_related("requester", "team", "assignee").order_by("-updated_at", "-id")
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    with_status_text(page.object_list)
    return render(request, "portal/my_tickets.html", {"page": page, "page_numbers": page_numbers(page)})


def _detail_context(request: HttpRequest, incident: Incident, **overrides) -> dict:
    user = request.user
    entries = (
        JournalEntry.objects.filter(ticket_id=incident.pk, internal=False)
        .filter(Q(kind=JournalKind.COMMENT) | Q(kind=JournalKind.FIELD_CHANGE, field__in=PORTAL_EVENT_FIELDS))
        .exclude(kind=JournalKind.FIELD_CHANGE, field="state", old_value="")  # "new" at creation says nothing
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.filter(internal=False)))
    )
    entries = journal.present(entries, user, incident.kind)  # labels, not codes
    attachments = incident.attachments.filter(internal=False).select_related("uploaded_by")
    is_requester = incident.requester_id == user.pk
    actions = [
        (target, REQUESTER_ACTIONS[target])
        for (source, target) in sorted(REQUESTER_TRANSITIONS)
        if is_requester and source == incident.state
    ]
    return {
        "incident": incident,
        "entries": entries,
        "attachments": attachments,
        "is_requester": is_requester,
        "status_text": status_text(incident),
        "can_reply": access.may(user, "comment", incident),
        "actions": actions,
        "reply_form": overrides.get("reply_form") or PortalReplyForm(),
        "transition_form": overrides.get("transition_form") or PortalTransitionForm(),
    }


@permission_required("portal.use")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """The public view of one ticket: the conversation, files, who is on it, and the requester's buttons."""
    incident = _visible_incident(request, number)
    return render(request, "portal/incident_detail.html", _detail_context(request, incident))


@require_POST
@permission_required("portal.use")
def reply(request: HttpRequest, number: str) -> HttpResponse:
    """Add a public reply and/or files. A requester's reply to a resolved ticket reopens it (see services)."""
    incident = _visible_incident(request, number)
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        if not access.may(request.user, "comment", incident):
            form.add_error(None, f"{incident.number} is closed: report a new issue if the problem is back.")
        else:
            before = incident.state
            try:
                post_reply(incident, request.user, form.cleaned_data["body"], form.cleaned_data["attachments"],
                           internal=False)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                incident.refresh_from_db(fields=["state"])
                text = "Your reply was sent."
                if before == State.RESOLVED and incident.state != before:
                    text += f" {incident.number} is open again."
                messages.success(request, text)
                return redirect(reverse("portal-incident", args=[incident.number]) + "#conversation")
    context = _detail_context(request, incident, reply_form=form)
    return render(request, "portal/incident_detail.html", context, status=400)


@require_POST
@permission_required("portal.use")
def change_state(request: HttpRequest, number: str) -> HttpResponse:
    """Reopen, confirm the resolution, or withdraw: only what REQUESTER_TRANSITIONS lets the requester do."""
    incident = _visible_incident(request, number)
    form = PortalTransitionForm(request.POST)
    if not form.is_valid():
        comment_errors = form.errors.get("comment")
        messages.error(request, f"Your comment: {' '.join(comment_errors)}" if comment_errors
                       else "That action is not available.")
        return redirect("portal-incident", number=incident.number)
    target = form.cleaned_data["state"]
    if target == State.CANCELLED:  # withdrawing always goes through its confirmation step
        return redirect("portal-incident-withdraw", number=incident.number)
    try:
        services.transition(incident, request.user, target, comment=form.cleaned_data["comment"])
    except TransitionError as exc:
        messages.error(request, f"{incident.number} could not change: {exc.message}")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, {
            State.IN_PROGRESS: f"{incident.number} is open again: the desk has been told.",
            State.CLOSED: f"Thank you for confirming: {incident.number} is closed.",
            State.CANCELLED: f"{incident.number} was withdrawn.",
        }.get(target, "Done."))
    return redirect("portal-incident", number=incident.number)


@permission_required("portal.use")
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw a ticket in two steps: a page that asks for confirmation (and an optional reason), then the
    POST of that page. Only the requester, and only while REQUESTER_TRANSITIONS allows it."""
    incident = _visible_incident(request, number)
    if incident.requester_id != request.user.pk or (incident.state, State.CANCELLED) not in REQUESTER_TRANSITIONS:
        messages.error(request, f"{incident.number} cannot be withdrawn now.")
        return redirect("portal-incident", number=incident.number)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.transition(incident, request.user, State.CANCELLED, comment=form.cleaned_data["reason"])
            except (TransitionError, ValidationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{incident.number} was withdrawn. Thank you for letting us know.")
                return redirect("portal-incident", number=incident.number)
        status = 400
    return render(request, "portal/withdraw.html", {"incident": incident, "form": form}, status=status)
