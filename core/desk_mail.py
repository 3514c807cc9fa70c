"""E-mails to the service desk about a ticket of any kind: "Assigned to you", "New for your team", and the
events a kind adds (a problem's incident reopened after its fix).

A kind declares them in `Kind.desk_events` (event -> subject, and the sentence that says what happened); the
default `Kind.notify` hook sends them. Who hears: the assignee of "assigned"; the team (its mailbox, else its
members) of "team" while nobody is assigned; for the kind's own events the assignee, else the team. Mails go
after commit through core.notifications.send_once (once per address and key, never to the actor).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from core import kinds
from core.notifications import Recipient, recipients, render_for, send_once, site_link, team_audience
from core.tasks import enqueue_on_commit


class DeskEvent(NamedTuple):
    """An event the desk is mailed about: the subject, what happened (`{label}`, `{number}`, `{title}`), and who
    hears of it: the person in the ticket's field `to` (a change's manager), else its assignee, else its team."""

    subject: str
    sentence: str = ""
    to: str = ""


DESK_EVENTS = {
    "assigned": DeskEvent("Assigned to you"),
    "team": DeskEvent("New for your team"),
}


def notify(kind: kinds.Kind, event: str, ticket: Any, actor: Any = None, entry_id: int | None = None) -> None:
    """Queue the e-mails of `event` after commit (events the kind does not mail the desk about are ignored)."""
    if event not in kind.desk_events:
        return
    from core.tasks import send_desk_mail

    key = f"{kind.key}:{ticket.pk}:v{ticket.version}:{event}:{entry_id or 0}"
    enqueue_on_commit(send_desk_mail, kind.key, event, ticket.pk, key, getattr(actor, "pk", None), entry_id)


def audience(event: str, ticket: Any, to: str = "") -> list[Any]:
    """Who hears of `event` on `ticket` (before leaving out the actor)."""
    if to:
        person = getattr(ticket, to)
        return [person] if person is not None else []
    if event == "assigned":
        return [ticket.assignee] if ticket.assignee_id else []
    if event == "team":
        return [] if ticket.assignee_id else team_audience(ticket.team)
    return [ticket.assignee] if ticket.assignee_id else team_audience(ticket.team)


def send(kind_key: str, event: str, ticket_id: int, key: str, actor_id: int | None = None,
         entry_id: int | None = None) -> int:
    """Send the e-mails of one event on one ticket; returns how many were sent now."""
    from accounts.models import User
    from core.models import JournalEntry

    kind = kinds.find(kind_key)
    desk_event = kind.desk_events.get(event) if kind is not None else None
    ticket = kind.model.objects.select_related("assignee", "team").filter(pk=ticket_id).first() if kind else None
    if kind is None or desk_event is None or ticket is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    entry = JournalEntry.objects.filter(pk=entry_id).first() if entry_id else None
    link = site_link(kind.agent_url(ticket.number))
    sentence = desk_event.sentence.format(label=kind.label.lower(), number=ticket.number, title=ticket.title)

    def compose(recipient: Recipient) -> tuple[str, str]:
        greeting = recipient.user.display_name if recipient.user else (ticket.team.name if ticket.team_id else "")
        body = render_for(recipient, "tickets/email/desk.txt", {
            "ticket": ticket, "label": kind.label, "state": kind.state_label(ticket.state), "event": event,
            "sentence": sentence, "entry": entry,
            "link": link, "greeting": greeting})
        return f"[{ticket.number}] {desk_event.subject}: {ticket.title}", body

    return send_once(key, recipients(audience(event, ticket, desk_event.to), actor=actor), compose)
