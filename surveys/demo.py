"""Demo surveys for `seed_demo`: satisfaction answers on the demo's resolved and closed tickets (one low, with a
comment), spread over the last months, and an NPS round asking the demo's end users (one promoter, one detractor).
Seeding twice changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import clock, kinds
from core.models import Ticket
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation, NpsRound, SurveySettings

SEED_AFTER = ("accounts", "catalog", "incidents", "problems", "changes")

# score, comment, days ago (one answer per resolved ticket, in this order)
ANSWERS = [
    (5, "Fixed within the hour, thank you!", 70),
    (4, "", 45),
    (2, "It took three days and nobody told me what was going on.", 20),
    (5, "", 9),
    (3, "Works now, but I had to chase twice.", 3),
]
NPS = {"user1": (9, "The portal makes it easy."), "user2": (4, "Too slow to get anything done.")}


def seed(demo: Any) -> None:
    """The settings row, CSAT invitations and answers, and one NPS round (once)."""
    SurveySettings.current()
    now = clock.now()
    resolved = [ticket for ticket in Ticket.objects.filter(kind__in=("incident", "request"))
                .exclude(resolved_at=None).order_by("pk")[:20]
                if kinds.of(ticket).workflow.is_resolved(ticket.state)]
    made = 0
    for ticket, (score, comment, days) in zip(resolved, ANSWERS, strict=False):
        when = now - timedelta(days=days)
        if CsatAnswer.objects.filter(ticket=ticket).exists():
            continue
        # resolving the demo's tickets invited their requesters already (surveys.services.invite_on_resolution)
        invitation, _ = CsatInvitation.objects.update_or_create(
            ticket=ticket, defaults={"person_id": ticket.requester_id, "invited_at": when - timedelta(hours=2)})
        CsatAnswer.objects.create(ticket=ticket, invitation=invitation, person_id=invitation.person_id,
                                  score=score, comment=comment, answered_at=when, updated_at=when)
        made += 1
    if made:
        demo.created["satisfaction answer"] = made
    starts = (now - timedelta(days=10)).date()
    if not NpsRound.objects.exists():
        nps_round = NpsRound.objects.create(starts_on=starts, ends_on=starts + timedelta(days=89), created_at=now)
        for username, (score, comment) in NPS.items():
            person = demo.users.get(username)
            if person is None:
                continue
            latest = Ticket.objects.filter(requester=person).order_by("-opened_at").first()
            NpsInvitation.objects.create(round=nps_round, person=person, organization=person.organization,
                                         service_id=latest.service_id if latest else None,
                                         invited_at=now - timedelta(days=10), score=score, comment=comment,
                                         answered_at=now - timedelta(days=8))
