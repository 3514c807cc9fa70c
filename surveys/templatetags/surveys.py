"""`{% csat_links ticket recipient as links %}`: the five score links of a resolution e-mail, for the requester
invited to rate the ticket (nothing for anyone else, or once they answered)."""

from __future__ import annotations

from typing import Any

from django import template

from surveys.models import CsatInvitation

register = template.Library()


@register.simple_tag
def csat_links(ticket: Any, recipient: Any) -> list[tuple[int, str]]:
    from surveys.notifications import score_links

    user = getattr(recipient, "user", None)
    if user is None:
        return []
    invitation = CsatInvitation.objects.filter(ticket_id=ticket.pk, person_id=user.pk, answer__isnull=True,
                                               link_used_at__isnull=True).first()
    return score_links(invitation) if invitation else []
