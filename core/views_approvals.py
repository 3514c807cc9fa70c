"""My approvals: what the signed-in user is asked to approve (any kind of ticket; a member of the desk in an
approver group, or anyone as someone's manager), what waits for their final say (a change they manage), and what
they decided; the approve / reject action of one vote."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from core import approvals, kinds, writes
from core.models import ApprovalVote
from core.permissions import signed_in_with_a_role
from core.ticket_forms import long_text

DECIDED_SHOWN = 50


class VoteForm(forms.Form):
    """One approver's decision: approve, or reject with a reason."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = long_text("Comment (a rejection says why)", rows=2)


def rows(votes: list[ApprovalVote], forms_by_vote: dict[int, VoteForm] | None = None, *,
         desk: bool = True) -> list[dict[str, Any]]:
    """The lines of the page: each vote with its ticket's kind and page (the desk's: an end user reads what they
    approve here), and where its approval stands."""
    out = []
    for vote in votes:
        approval = vote.approval
        kind = kinds.find(approval.ticket.kind)
        siblings = list(approval.votes.all())
        out.append({"vote": vote, "approval": approval, "ticket": approval.ticket,
                    "kind_label": kind.label if kind else "Ticket",
                    "url": kind.agent_url(approval.ticket.number) if kind and desk else "",
                    "rule": approvals.describe(approval.rule, approval.required, len(siblings)),
                    "progress": approvals.progress(approval, siblings),
                    "form": (forms_by_vote or {}).get(vote.pk) or VoteForm(prefix=f"vote-{vote.pk}")})
    return out


def render_page(request: HttpRequest, *, tab: str = "waiting", failed: dict[int, VoteForm] | None = None,
                status: int = 200) -> HttpResponse:
    user = request.user
    waiting = list(approvals.waiting_for(user).prefetch_related("approval__votes"))
    decided = (list(approvals.decided_by(user).prefetch_related("approval__votes")[:DECIDED_SHOWN])
               if tab == "decided" else [])
    final_say = [item for kind in kinds.registered() for item in kind.awaiting_decision(user)]
    desk = has_role(user, Role.AGENT)
    return render(request, "agent/approvals.html", {
        "tab": tab, "waiting": rows(waiting, failed, desk=desk), "decided": rows(decided, desk=desk),
        "final_say": final_say,
        "waiting_count": len(waiting)}, status=status)


@signed_in_with_a_role
def my_approvals(request: HttpRequest) -> HttpResponse:
    """The approvals the user is asked for (the oldest first), the final says waiting for them, and (tab
    "decided") their last decisions."""
    return render_page(request, tab="decided" if request.GET.get("tab") == "decided" else "waiting")


@require_POST
@signed_in_with_a_role
def decide_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one approval the user is asked for; back to where they came from (My approvals, or the
    ticket's page). A vote that is not the user's does not exist for them (404)."""
    vote = approvals.waiting_for(request.user).filter(pk=pk).first() or ApprovalVote.objects.filter(
        pk=pk, approver_id=request.user.pk).select_related("approval__ticket").first()
    if vote is None:
        raise Http404("No such approval.")
    form = VoteForm(request.POST, prefix=f"vote-{pk}")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    number = vote.approval.ticket.number
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            approval = approvals.decide(vote, request.user, approve=approve, comment=form.cleaned_data["comment"])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            errors = writes.errors_by_field(exc)
            if "comment" in errors:
                form.add_error("comment", errors["comment"])
                return render_page(request, failed={vote.pk: form}, status=400)
            messages.error(request, writes.error_text(exc))
        else:
            outcome = (f" {approval.name} {approval.get_state_display().lower()} it."
                       if approval.state != "pending" else "")
            messages.success(request, f"You {'approved' if approve else 'rejected'} {number}.{outcome}")
        return redirect(back or "agent-approvals")
    return render_page(request, failed={vote.pk: form}, status=400)
