"""Every write of the surveys: inviting the requester of a resolved ticket, answering (by the e-mail's link or
signed in), reopening on request, and the NPS rounds and answers.

- A ticket moved into a resolved state of its kind (an incident resolved, a request closed) invites its requester
  when the admins survey its kind and service and the requester was not invited within the minimum interval.
  Incidents carry the survey links in their resolution e-mail (templates/incidents/email/state.txt); other kinds,
  which send the requester no resolution mail, get the survey's own invitation mail.
- One answer per ticket: answering again replaces it. The e-mail's link answers once; signed in, the requester
  changes their answer on the portal. A low score mails the lead of the ticket's team after commit; "reopen my
  ticket" moves the ticket back through its kind's transition, as the requester, with a journal entry.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery

from accounts.models import User
from accounts.roles import Role
from core import clock, kinds, limits, writes
from core.models import Ticket
from core.tasks import enqueue_on_commit
from core.workflow import TransitionError
from surveys.models import (
    COMMENT_MAX_LENGTH,
    CsatAnswer,
    CsatInvitation,
    NpsInvitation,
    NpsRound,
    SurveySettings,
)

# Kinds whose own resolution e-mail to the requester carries the survey links (the others get the survey's mail).
RESOLUTION_MAIL_KINDS = frozenset({"incident"})


class LinkUsed(Exception):
    """The e-mail's link was already used: it works once (signed in, the portal changes the answer)."""


# --- CSAT: invitations -----------------------------------------------------------------------------------------

def surveyed(ticket: Any, config: SurveySettings) -> bool:
    """Whether the admins survey the ticket's kind and service."""
    if not config.csat_enabled or ticket.kind not in config.csat_kinds:
        return False
    chosen = list(config.csat_services.values_list("pk", flat=True))
    return not chosen or ticket.service_id in chosen


def recently_invited(person_id: int, days: int, now: Any = None) -> bool:
    """Whether the person was invited to a CSAT survey within `days` days (survey fatigue)."""
    if days <= 0:
        return False
    since = (now or clock.now()) - timedelta(days=days)
    return CsatInvitation.objects.filter(person_id=person_id, invited_at__gte=since).exists()


def invite(ticket: Any, *, config: SurveySettings | None = None) -> CsatInvitation | None:
    """Invite the requester of a resolved ticket, unless its kind or service is not surveyed, it was invited
    already, the requester is inactive, or they were invited within the minimum interval. The invitation mail of
    kinds without a resolution mail goes after commit."""
    config = config or SurveySettings.current()
    requester = User.objects.filter(pk=ticket.requester_id, is_active=True).first()
    if requester is None or not surveyed(ticket, config):
        return None
    if CsatInvitation.objects.filter(ticket_id=ticket.pk).exists():
        return None
    now = clock.now()
    if recently_invited(requester.pk, config.min_interval_days, now):
        return None
    invitation = CsatInvitation.objects.create(ticket_id=ticket.pk, person=requester, invited_at=now)
    if ticket.kind not in RESOLUTION_MAIL_KINDS:
        from surveys.tasks import send_csat_invitation

        enqueue_on_commit(send_csat_invitation, invitation.pk)
    return invitation


def invite_on_resolution(sender: Any, ticket: Any, actor: Any, current: str, target: str, **kwargs: Any) -> None:
    """Receiver of core.services.ticket_moved: a ticket entering a resolved state (not moving between two, such
    as resolved to closed) invites its requester, in the move's transaction."""
    workflow = kinds.of(ticket).workflow
    if workflow.is_resolved(target) and not workflow.is_resolved(current):
        invite(ticket)


def open_invitation(ticket: Ticket, person: Any) -> CsatInvitation | None:
    """The ticket's invitation when `person` is the one invited (the requester)."""
    return CsatInvitation.objects.filter(ticket_id=ticket.pk, person_id=person.pk).first()


# --- CSAT: answers ---------------------------------------------------------------------------------------------

def reopen_target(ticket: Ticket) -> str:
    """The open state the requester may move the ticket back to from its state now ("" when none: a closed
    incident, a closed request)."""
    workflow = kinds.of(ticket).workflow
    targets = sorted(t for (s, t) in workflow.requester_moves if s == ticket.state and workflow.is_open(t))
    return targets[0] if targets else ""


def _clean(score: Any, comment: str, low: int, high: int) -> tuple[int, str]:
    errors: dict[str, list[str]] = {}
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = -1
    if not low <= value <= high or isinstance(score, bool):
        errors["score"] = [f"Choose a score from {low} to {high}."]
    comment = (comment or "").strip()
    errors.update(limits.text_errors({"comment": comment}, {"comment": COMMENT_MAX_LENGTH}))
    if errors:
        raise ValidationError(errors)
    return value, comment


@transaction.atomic
def answer_csat(invitation: CsatInvitation, person: Any, score: Any, comment: str = "", *, reopen: bool = False,
                by_link: bool = False) -> CsatAnswer:
    """Record (or replace) the answer to a CSAT invitation, as its person. `by_link`: through the e-mail's link,
    which works once (LinkUsed after). A low score mails the team lead after commit; `reopen` moves the ticket
    back to work when its workflow lets the requester (else the answer is kept and `reopen` refused on the field).
    """
    invitation = CsatInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.person_id != person.pk:
        raise PermissionDenied("Only the person asked answers this survey.")
    if by_link and invitation.link_used_at is not None:
        raise LinkUsed
    value, comment = _clean(score, comment, 1, 5)
    ticket = Ticket.objects.get(pk=invitation.ticket_id)
    target = reopen_target(ticket) if reopen else ""
    if reopen and not target:
        raise ValidationError({"reopen": [f"{ticket.number} cannot be reopened any more: raise a new ticket."]})
    now = clock.now()
    answer = CsatAnswer.objects.select_for_update().filter(ticket_id=ticket.pk).first()
    if answer is None:
        answer = CsatAnswer.objects.create(ticket_id=ticket.pk, invitation=invitation, person_id=person.pk,
                                           score=value, comment=comment, reopen_requested=bool(target),
                                           answered_at=now, updated_at=now)
    else:
        answer.score, answer.comment, answer.updated_at = value, comment, now
        answer.reopen_requested = answer.reopen_requested or bool(target)
        answer.revision += 1
        answer.save(update_fields=["score", "comment", "updated_at", "reopen_requested", "revision"])
    if by_link:
        invitation.link_used_at = now
        invitation.save(update_fields=["link_used_at"])
    config = SurveySettings.current()
    if value <= config.low_score_threshold:
        from surveys.tasks import send_low_score

        enqueue_on_commit(send_low_score, answer.pk, answer.revision)
    if target:
        _reopen(ticket, person, target, value, comment)
    return answer


def _reopen(ticket: Ticket, person: Any, target: str, score: int, comment: str) -> None:
    """Move the ticket back to work through its kind's transition, as the requester, saying why in the journal
    (the desk hears of it as of any requester's reply)."""
    kind = kinds.of(ticket)
    words = f"Reopened from the satisfaction survey (score {score}/5)" + (f": {comment}" if comment else ".")
    try:
        kind.action(writes.transition)(kind, kind.model.objects.get(pk=ticket.pk), person, target, comment=words)
    except TransitionError as exc:
        raise ValidationError({"reopen": [exc.message]}) from None


def answer_csat_for(ticket: Ticket, person: Any, score: Any, comment: str = "", *, reopen: bool = False
                    ) -> CsatAnswer:
    """Answer for a ticket the person may see (the portal, the API): only its requester, invited, answers."""
    if ticket.requester_id != person.pk:
        raise PermissionDenied("Only the requester rates this ticket.")
    invitation = open_invitation(ticket, person)
    if invitation is None:
        raise ValidationError({"ticket": [f"{ticket.number} has no satisfaction survey."]})
    return answer_csat(invitation, person, score, comment, reopen=reopen)


# --- NPS -------------------------------------------------------------------------------------------------------

def current_round(today: date | None = None) -> NpsRound | None:
    """The round whose period covers `today`."""
    today = today or clock.now().date()
    return NpsRound.objects.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on").first()


def sample_size(population: int, config: SurveySettings) -> int:
    """How many people a round asks: the share of the population when set (rounded up, at most the sample size),
    else the sample size; never more than the population."""
    size = config.nps_sample_size
    if config.nps_sample_percent is not None:
        size = min(size, math.ceil(population * config.nps_sample_percent / 100))
    return max(0, min(size, population))


@transaction.atomic
def start_nps_round(today: date | None = None, *, config: SurveySettings | None = None) -> NpsRound | None:
    """Start a round when none covers today: a random sample of active end users with an address, each with the
    organization they belong to and the service of their latest ticket; their mails go after commit. Safe to run
    twice (None when a round covers today, or NPS is off)."""
    config = config or SurveySettings.current()
    today = today or clock.now().date()
    if not config.nps_enabled or current_round(today) is not None:
        return None
    people = User.objects.filter(role=Role.END_USER, is_active=True, is_superuser=False).exclude(email="")
    size = sample_size(people.count(), config)
    nps_round, created = NpsRound.objects.get_or_create(
        starts_on=today, defaults={"ends_on": today + timedelta(days=config.nps_period_days - 1),
                                   "created_at": clock.now()})
    if not created:
        return None
    latest_service = Subquery(Ticket.objects.filter(requester_id=OuterRef("pk")).order_by("-opened_at", "-pk")
                              .values("service_id")[:1])
    chosen = people.annotate(latest_service=latest_service).order_by("?").values_list(
        "pk", "organization_id", "latest_service")[:size]
    now = clock.now()
    NpsInvitation.objects.bulk_create([
        NpsInvitation(round=nps_round, person_id=pk, organization_id=org, service_id=service, invited_at=now)
        for pk, org, service in chosen])
    from surveys.tasks import send_nps_invitations

    enqueue_on_commit(send_nps_invitations, nps_round.pk)
    return nps_round


@transaction.atomic
def answer_nps(invitation: NpsInvitation, person: Any, score: Any, comment: str = "", *, by_link: bool = False
               ) -> NpsInvitation:
    """Record (or replace) a person's NPS answer (0-10). The e-mail's link works once."""
    invitation = NpsInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.person_id != person.pk:
        raise PermissionDenied("Only the person asked answers this survey.")
    if by_link and invitation.link_used_at is not None:
        raise LinkUsed
    value, comment = _clean(score, comment, 0, 10)
    now = clock.now()
    invitation.score, invitation.comment, invitation.answered_at = value, comment, now
    if by_link:
        invitation.link_used_at = now
    invitation.save(update_fields=["score", "comment", "answered_at", "link_used_at"])
    return invitation


def open_nps_invitation(person: Any, today: date | None = None) -> NpsInvitation | None:
    """The person's invitation of the round running now (answered or not), for the portal's card."""
    today = today or clock.now().date()
    return (NpsInvitation.objects.select_related("round")
            .filter(person_id=person.pk, round__starts_on__lte=today, round__ends_on__gte=today).first())
