"""Approvals, for any kind of ticket: a group of approvers is asked, each approves or rejects with a comment, and
the group's rule decides (any one, all, a majority, N of them). Changes ask their CAB; the service catalog will
ask for requests the same way.

- `request(ticket, group, rule, required, actor)` opens an approval: one vote per active member of the group,
  mailed to each (after commit). A ticket has at most one pending approval (a database constraint).
- `decide(vote, actor, approve=..., comment=...)` records one approver's decision; the first decision that settles
  the rule closes the approval and calls the kind's `approval_decided` hook (a change goes back to assessment when
  its CAB rejects it). The ticket row is locked first and then the approval row, so two approvers deciding at once
  are serialised and only one of them settles the outcome.
- `withdraw(ticket, actor)` cancels a pending approval (the ticket went back to assessment, or was cancelled).
- `remind_pending(now)` mails the approvers who have not decided after APPROVAL_REMINDER_HOURS (Celery beat).

Who is asked may see the ticket: an approver's tickets join those they watch in the access rule
(core.models.watched_numbers), so a CAB member outside the change's team can read what they decide on.
Every request, decision and outcome is journaled on the ticket (internal: the desk's business).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from core import clock, kinds, limits, writes
from core import services as core
from core.models import Approval, ApprovalRule, ApprovalState, ApprovalVote, ApproverGroup, Ticket, VoteDecision
from core.services import FieldChange
from core.tasks import enqueue_on_commit


def needed(rule: str, required: int, voters: int) -> int:
    """How many approvals settle `rule` among `voters` approvers (never more than there are)."""
    if rule == ApprovalRule.ANY:
        return min(1, voters)
    if rule == ApprovalRule.ALL:
        return voters
    if rule == ApprovalRule.MAJORITY:
        return voters // 2 + 1 if voters else 0
    return min(max(required, 1), voters)


def outcome(rule: str, required: int, decisions: Iterable[str]) -> str:
    """The approval's state after these votes: approved once enough approve, rejected once enough reject that the
    rule can no longer be met (so under "all" one rejection decides, under "any one" it takes everybody's),
    pending otherwise."""
    decisions = list(decisions)
    counts = Counter(decisions)
    need = needed(rule, required, len(decisions))
    if counts[VoteDecision.APPROVED] >= need:
        return ApprovalState.APPROVED
    if len(decisions) - counts[VoteDecision.REJECTED] < need:
        return ApprovalState.REJECTED
    return ApprovalState.PENDING


def describe(rule: str, required: int, voters: int) -> str:
    """The rule in words: "any one of 3 approvers", "all 3 approvers", "a majority (2 of 3)", "2 of 3", "its one
    approver"."""
    need = needed(rule, required, voters)
    if voters == 1:
        return "its one approver"
    if rule == ApprovalRule.ANY:
        return f"any one of {voters} approver{'s' if voters != 1 else ''}"
    if rule == ApprovalRule.ALL:
        return f"all {voters} approvers"
    if rule == ApprovalRule.MAJORITY:
        return f"a majority ({need} of {voters})"
    return f"{need} of {voters} approvers"


def progress(approval: Approval, votes: Iterable[ApprovalVote] | None = None) -> str:
    """Where an approval stands: "1 of 2 approvals needed, 0 rejections"."""
    votes = list(approval.votes.all() if votes is None else votes)
    counts = Counter(vote.decision for vote in votes)
    need = needed(approval.rule, approval.required, len(votes))
    rejected = counts[VoteDecision.REJECTED]
    text = f"{counts[VoteDecision.APPROVED]} of {need} approval{'s' if need != 1 else ''}"
    return text + (f", {rejected} rejection{'s' if rejected != 1 else ''}" if rejected else "")


def check_rule(group: ApproverGroup, rule: str, required: int) -> list[str]:
    """Why `group` cannot be asked under `rule` (empty when it can): it needs active members, enough of them."""
    voters = group.members.filter(is_active=True).count()
    if not voters:
        return [f"The approver group {group.name} has no active members: add some in the admin."]
    if rule == ApprovalRule.N_OF_M and required > voters:
        return [f"The approver group {group.name} has {voters} active member{'s' if voters != 1 else ''}: "
                f"{required} approvals cannot be given."]
    return []


def request(ticket: Ticket, group: ApproverGroup, rule: str, required: int, actor: Any, *,
            at: datetime | None = None) -> Approval:
    """Ask `group` to approve `ticket` (inside the caller's transaction, the ticket locked). Journaled; the
    approvers are mailed after commit. Raises ValidationError when the group cannot decide."""
    problems = check_rule(group, rule, required)
    if problems:
        raise ValidationError({"approval": problems})
    members = list(group.members.filter(is_active=True).order_by("pk"))
    return ask(ticket, members, rule, required, actor, group=group, at=at)


def ask(ticket: Ticket, people: list[Any], rule: str, required: int, actor: Any, *,
        group: ApproverGroup | None = None, label: str = "", at: datetime | None = None) -> Approval:
    """Ask `people` (a group's active members, or people named one by one: "Uma User's manager") to approve
    `ticket` under `rule`. Journaled; each is mailed after commit."""
    if not people:
        raise ValidationError({"approval": ["Nobody can be asked to approve this."]})
    at = at or clock.now()
    approval = Approval.objects.create(ticket=ticket, group=group, label=label, rule=rule, required=required,
                                       requested_at=at,
                                       requested_by=actor if getattr(actor, "pk", None) else None)
    for person in people:  # one by one: each save tells the access rule's kept inputs (core.signals)
        ApprovalVote.objects.create(approval=approval, approver=person)
    core.record_changes(ticket, actor, [FieldChange(
        "approval", "", f"asked of {approval.name} ({describe(rule, required, len(people))})", internal=True)],
        at=at)
    mail(approval, "requested", actor)
    return approval


def mail(approval: Approval, event: str, actor: Any = None, votes: Iterable[int] | None = None) -> None:
    """E-mail the approvers who have not decided (or `votes`) about `approval`, after commit."""
    from core.tasks import send_approval_mail

    key = f"approval:{approval.pk}:{event}:{clock.now():%Y%m%d%H}"
    enqueue_on_commit(send_approval_mail, approval.pk, event, key, getattr(actor, "pk", None),
                      list(votes) if votes is not None else None)


def may_decide(user: Any, vote: ApprovalVote) -> bool:
    """Only the approver decides their vote, and only while they may see the ticket's kind at all."""
    kind = kinds.find(vote.approval.ticket.kind)
    return (user is not None and vote.approver_id == user.pk
            and (kind is None or kind.may(user, "approve", vote.approval.ticket) is not False))


@transaction.atomic
def decide(vote: ApprovalVote | int, actor: Any, *, approve: bool, comment: str = "") -> Approval:
    """`actor` approves or rejects (a rejection says why). The first decision that settles the rule closes the
    approval and tells the ticket's kind (`Kind.approval_decided`). Refused when the approval is no longer
    pending or the vote was already cast."""
    vote_id: int = vote.pk if isinstance(vote, ApprovalVote) else vote
    found = ApprovalVote.objects.select_related("approval__ticket", "approval__group").filter(pk=vote_id).first()
    if found is None:
        raise ValidationError({"approval": ["No such approval."]})
    kind = kinds.of(found.approval.ticket)
    ticket = writes.lock(kind, found.approval.ticket_id)  # the ticket first, as every write does: no deadlock
    approval = Approval.objects.select_for_update(of=("self",)).select_related("group").get(pk=found.approval_id)
    voting = ApprovalVote.objects.select_for_update().get(pk=vote_id)
    approval.ticket = ticket
    voting.approval = approval
    if not may_decide(actor, voting):
        raise PermissionDenied("Only the approver asked may decide this approval.")
    if approval.state != ApprovalState.PENDING:
        raise ValidationError({"decision": [
            f"This approval of {ticket.number} is already {approval.get_state_display().lower()}: "
            "your decision is no longer needed."]})
    if voting.decision != VoteDecision.PENDING:
        raise ValidationError({"decision": [f"You already {voting.get_decision_display().lower()} {ticket.number}."]})
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": ["Say why you reject it: the change owner reads it."]})
    limits.check_texts({"comment": comment})
    now = clock.now()
    voting.decision = VoteDecision.APPROVED if approve else VoteDecision.REJECTED
    voting.comment, voting.decided_at = comment, now
    voting.save(update_fields=["decision", "comment", "decided_at"])
    votes = list(approval.votes.all())
    state = outcome(approval.rule, approval.required, [vote.decision for vote in votes])
    changes = [FieldChange("approval", "", f"{voting.get_decision_display().lower()} by {actor.display_name} "
                                           f"({approval.name}: {progress(approval, votes)})", internal=True)]
    if state != ApprovalState.PENDING:
        approval.state, approval.decided_at = state, now
        approval.save(update_fields=["state", "decided_at"])
        changes.append(FieldChange("approval", ApprovalState.PENDING.label,
                                   f"{approval.get_state_display().lower()} by {approval.name}", internal=True))
    core.commit(ticket, actor, changes, at=now)
    if comment:
        core.add_comment(ticket, actor, f"{'Approved' if approve else 'Rejected'}: {comment}", internal=True)
    if state != ApprovalState.PENDING:
        kind.approval_decided(ticket, approval, actor, comment)
    return approval


def withdraw(ticket: Ticket, actor: Any, *, at: datetime | None = None) -> int:
    """Withdraw the ticket's pending approval (inside the caller's transaction): the votes not cast are no longer
    asked for. Journaled; returns how many were withdrawn (0 or 1)."""
    at = at or clock.now()
    pending = list(Approval.objects.select_for_update(of=("self",)).filter(ticket=ticket, state=ApprovalState.PENDING)
                   .select_related("group"))
    for approval in pending:
        approval.state, approval.decided_at = ApprovalState.CANCELLED, at
        approval.save(update_fields=["state", "decided_at"])
    if pending:
        core.record_changes(ticket, actor, [FieldChange(
            "approval", ApprovalState.PENDING.label, f"withdrawn from {approval.name}", internal=True)
            for approval in pending], at=at)
    return len(pending)


def current(ticket: Ticket) -> Approval | None:
    """The ticket's latest approval (pending or decided), with its votes and approvers."""
    return (Approval.objects.filter(ticket=ticket).select_related("group")
            .prefetch_related("votes__approver").order_by("-requested_at", "-id").first())


def waiting_for(user: Any) -> QuerySet[ApprovalVote]:
    """The votes `user` has still to cast, the oldest request first."""
    return (ApprovalVote.objects.filter(approver_id=user.pk, decision=VoteDecision.PENDING,
                                        approval__state=ApprovalState.PENDING)
            .select_related("approval__group", "approval__ticket").order_by("approval__requested_at", "pk"))


def decided_by(user: Any) -> QuerySet[ApprovalVote]:
    """The votes `user` cast, the latest first."""
    return (ApprovalVote.objects.filter(approver_id=user.pk).exclude(decision=VoteDecision.PENDING)
            .select_related("approval__group", "approval__ticket").order_by("-decided_at", "-pk"))


def remind_pending(now: datetime | None = None) -> int:
    """Mail again every approver whose vote has waited APPROVAL_REMINDER_HOURS since it was asked for (or since
    the last reminder). Returns how many votes were reminded."""
    now = now or clock.now()
    due = now - timedelta(hours=settings.APPROVAL_REMINDER_HOURS)
    votes = (ApprovalVote.objects.filter(decision=VoteDecision.PENDING, approval__state=ApprovalState.PENDING)
             .filter(Q(reminded_at__lte=due) | Q(reminded_at__isnull=True, approval__requested_at__lte=due))
             .select_related("approval"))
    by_approval: dict[int, list[int]] = {}
    for vote in votes:
        by_approval.setdefault(vote.approval_id, []).append(vote.pk)
    with transaction.atomic():
        for approval_id, vote_ids in by_approval.items():
            ApprovalVote.objects.filter(pk__in=vote_ids).update(reminded_at=now)
            mail(Approval(pk=approval_id), "reminder", None, vote_ids)
    return sum(len(ids) for ids in by_approval.values())


MAIL_SUBJECTS = {"requested": "Your approval is asked", "reminder": "Reminder: your approval is still asked"}


def send(approval_id: int, event: str, key: str, actor_id: int | None = None,
         vote_ids: list[int] | None = None) -> int:
    """Send the mails of `event` to the approvers of an approval who have not decided; returns how many went."""
    from core.notifications import recipients, render_for, send_once, site_link

    approval = Approval.objects.select_related("ticket", "group").filter(pk=approval_id).first()
    if approval is None or approval.state != ApprovalState.PENDING or event not in MAIL_SUBJECTS:
        return 0
    votes = approval.votes.filter(decision=VoteDecision.PENDING).select_related("approver")
    if vote_ids is not None:
        votes = votes.filter(pk__in=vote_ids)
    ticket = approval.ticket
    kind = kinds.find(ticket.kind)
    label = kind.label if kind else "Ticket"
    context = {"ticket": ticket, "label": label, "group": approval.name,
               "rule": describe(approval.rule, approval.required, approval.votes.count()), "event": event,
               "link": site_link(kind.agent_url(ticket.number) if kind else "/"),
               "approvals_link": site_link(reverse("agent-approvals"))}

    from accounts.roles import Role, has_role
    from core.approval_links import context_for

    by_person = {vote.approver_id: vote for vote in votes}

    def compose(recipient: Any) -> tuple[str, str]:
        own = {**context_for(by_person[recipient.user.pk]), "desk": has_role(recipient.user, Role.AGENT)}
        body = render_for(recipient, "tickets/email/approval.txt",
                          {**context, **own, "greeting": recipient.user.display_name})
        return f"[{ticket.number}] {MAIL_SUBJECTS[event]}: {ticket.title}", body

    actor = approval.requested_by if actor_id and approval.requested_by_id == actor_id else None
    return send_once(key, recipients([vote.approver for vote in by_person.values()], actor=actor), compose)
