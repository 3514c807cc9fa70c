"""The approve / reject link of an approval e-mail: a signed address per vote, for approvers who never sign in
(a manager approving a laptop from their phone). It decides that vote once (the vote cannot be cast twice, and
the link answers "already decided" after), for APPROVAL_LINK_DAYS; a forged, altered or expired link is 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core import approvals, kinds, writes
from core.models import ApprovalState, ApprovalVote, VoteDecision

SALT = "core.approval-link"


def token_for(vote: ApprovalVote) -> str:
    return signing.dumps({"vote": vote.pk, "approver": vote.approver_id}, salt=SALT, compress=True)


def path_for(vote: ApprovalVote) -> str:
    return reverse("approval-link", args=[token_for(vote)])


def vote_of(token: str) -> ApprovalVote:
    """The vote a link names, or 404 (forged, altered, expired, or the vote is gone)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.APPROVAL_LINK_DAYS * 86400)
    except signing.BadSignature:
        raise Http404("This approval link is not valid (or has expired).") from None
    vote = (ApprovalVote.objects.select_related("approval__ticket", "approval__group", "approver")
            .filter(pk=data.get("vote"), approver_id=data.get("approver")).first())
    if vote is None:
        raise Http404("This approval link is not valid.")
    return vote


def decide_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what is asked, with Approve and Reject (no sign-in). POST: the decision, as the approver named."""
    vote = vote_of(token)
    approval, ticket = vote.approval, vote.approval.ticket
    kind = kinds.find(ticket.kind)
    error = ""
    if request.method == "POST" and vote.decision == VoteDecision.PENDING and approval.state == ApprovalState.PENDING:
        approve = request.POST.get("decision") == "approve"
        try:
            approvals.decide(vote, vote.approver, approve=approve, comment=request.POST.get("comment", ""))
        except (ValidationError, PermissionDenied) as exc:
            error = writes.error_text(exc) if isinstance(exc, ValidationError) else str(exc)
        else:
            messages.success(request, f"Thank you: you {'approved' if approve else 'rejected'} {ticket.number}.")
            return redirect(request.path)
        vote.refresh_from_db()
        approval.refresh_from_db()
    return render(request, "approvals/link.html", {
        "vote": vote, "approval": approval, "ticket": ticket, "kind_label": kind.label if kind else "Ticket",
        "pending": vote.decision == VoteDecision.PENDING and approval.state == ApprovalState.PENDING,
        "error": error, "comment": request.POST.get("comment", "") if request.method == "POST" else "",
        "rule": approvals.describe(approval.rule, approval.required, approval.votes.count()),
        "progress": approvals.progress(approval)}, status=400 if error else 200)


def context_for(vote: Any) -> dict[str, str]:
    """What an approval mail adds for one approver: their own link."""
    from core.notifications import site_link

    return {"decide_link": site_link(path_for(vote))}
