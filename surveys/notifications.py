"""The surveys' e-mails, all through core.notifications.send_once (once per address and key; a retried task sends
nothing twice): the CSAT invitation of kinds without a resolution mail, a low score to the team lead, and the NPS
invitations of a round. (Incidents carry the survey links in their own resolution mail: the `csat_links` tag.)"""

from __future__ import annotations

from core import kinds
from core.notifications import Recipient, recipients, render_for, send_once, site_link
from surveys import links
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation


def send_csat_invitation(invitation_id: int) -> int:
    """Mail the requester their survey (1-5 links), unless they answered meanwhile."""
    invitation = (CsatInvitation.objects.select_related("ticket", "person").filter(pk=invitation_id)
                  .filter(answer__isnull=True).first())
    if invitation is None:
        return 0
    ticket = invitation.ticket
    kind = kinds.of(ticket)

    def compose(recipient: Recipient) -> tuple[str, str]:
        body = render_for(recipient, "surveys/email/csat_invitation.txt", {
            "ticket": ticket, "label": kind.label, "links": score_links(invitation),
            "greeting": invitation.person.display_name})
        return f"[{ticket.number}] How did we do? {ticket.title}", body

    return send_once(f"surveys:csat-invite:{invitation.pk}", recipients([invitation.person]), compose)


def score_links(invitation: CsatInvitation) -> list[tuple[int, str]]:
    """The five links of a mail, each opening the survey with its score chosen (nothing is recorded by opening)."""
    return [(score, links.csat_url(invitation, score)) for score in range(1, 6)]


def send_low_score(answer_id: int, revision: int) -> int:
    """Mail the lead of the ticket's team about a low score (once per answer revision); nobody when the ticket
    has no team or the team no lead."""
    answer = (CsatAnswer.objects.select_related("ticket__team__lead", "person").filter(pk=answer_id).first())
    if answer is None or answer.ticket.team is None or answer.ticket.team.lead is None:
        return 0
    ticket = answer.ticket
    lead = answer.ticket.team.lead
    kind = kinds.of(ticket)
    link = site_link(kind.agent_url(ticket.number))

    def compose(recipient: Recipient) -> tuple[str, str]:
        body = render_for(recipient, "surveys/email/low_score.txt", {
            "ticket": ticket, "label": kind.label, "answer": answer, "link": link,
            "greeting": recipient.user.display_name if recipient.user else ""})
        return f"[{ticket.number}] Low satisfaction: {answer.score}/5 from {answer.person.display_name}", body

    return send_once(f"surveys:csat-low:{answer.pk}:r{revision}", recipients([lead]), compose)


def send_nps_invitations(round_id: int) -> int:
    """Mail each person asked in the round their own link (those who answered meanwhile are skipped)."""
    invitations = {i.person.email.strip().lower(): i for i in NpsInvitation.objects.select_related("person")
                   .filter(round_id=round_id, answered_at__isnull=True).order_by("pk")}

    def compose(recipient: Recipient) -> tuple[str, str]:
        invitation = invitations[recipient.address.strip().lower()]
        body = render_for(recipient, "surveys/email/nps_invitation.txt", {
            "link": links.nps_url(invitation), "greeting": invitation.person.display_name,
            "portal": site_link("/portal/")})
        return "How likely are you to recommend IT's services?", body

    people = [invitation.person for invitation in invitations.values()]
    return send_once(f"surveys:nps:{round_id}", recipients(people), compose)
