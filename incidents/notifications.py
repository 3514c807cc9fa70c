"""Who hears of what on an incident, and the e-mails they get (rendered from templates/incidents/email/).

- requester (and end-user watchers): the acknowledgement of a new incident, assignment, state change, a public
  comment from the desk;
- the assignee, or the team when unassigned: a reply from the requester;
- the team (its mailbox, else its members): a new incident, or one moved to it, that nobody is assigned to.
Work notes never produce an e-mail to anyone outside the desk.

One action (a service function such as `take`, which assigns and changes the state) sends at most one e-mail
per recipient, combining what changed; nobody is mailed about their own action (except the requester's
acknowledgement of the incident they raised, which the portal promises). Services mark their entry
points with `@action` and call `notify(...)`; the events of one action on one incident go to one Celery task
after commit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.urls import reverse

from accounts.roles import Role, has_role
from core.models import JournalEntry
from core.notifications import (
    Recipient,
    normalise_address,
    recipients,
    render_for,
    send_once,
    site_link,
    team_audience,
)
from core.tasks import enqueue_on_commit
from incidents.models import Incident

# In the order their paragraphs appear in a combined e-mail.
EVENTS = ("created", "assigned", "state", "comment", "reply", "team")
REQUESTER_EVENTS = {"created", "assigned", "state", "comment"}
SUBJECTS = {"created": "Received", "assigned": "Assigned", "comment": "New comment", "team": "New for your team"}

F = TypeVar("F", bound=Callable[..., Any])
_pending: ContextVar[dict[int, dict[str, Any]] | None] = ContextVar("incident_notifications", default=None)


def action(func: F) -> F:
    """Mark a service function as one action: the notifications it (and the services it calls) asks for are
    enqueued together when it returns, one task per incident, after the transaction commits."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _pending.get() is not None:
            return func(*args, **kwargs)
        token = _pending.set({})
        try:
            result = func(*args, **kwargs)
            pending = _pending.get() or {}
        finally:
            _pending.reset(token)
        for item in pending.values():
            _enqueue(item)
        return result

    return wrapper  # type: ignore[return-value]


def notify(event: str, incident: Incident, actor: Any = None, entry_id: int | None = None) -> None:
    """Ask for the e-mails of `event` (one of EVENTS); inside an `@action` they are combined with the others."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    pending = _pending.get()
    item = {"incident": incident, "events": [event], "entry_id": entry_id, "actor_id": getattr(actor, "pk", None)}
    if pending is None:
        _enqueue(item)
        return
    current = pending.setdefault(incident.pk, {**item, "events": []})
    current["incident"] = incident  # the latest copy carries the final version
    if event not in current["events"]:
        current["events"].append(event)
    current["entry_id"] = current["entry_id"] or entry_id
    current["actor_id"] = current["actor_id"] or item["actor_id"]  # the first person acting is the action's actor


def _enqueue(item: dict[str, Any]) -> None:
    from incidents.tasks import send_incident_notification

    incident = item["incident"]
    events = [e for e in EVENTS if e in item["events"]]
    key = f"incident:{incident.pk}:v{incident.version}:e{item['entry_id'] or 0}:{'+'.join(events)}"
    enqueue_on_commit(send_incident_notification, events, incident.pk, item["entry_id"], key, item["actor_id"])


def audience(events: list[str], incident: Incident, actor: Any = None) -> list[tuple[Recipient, list[str]]]:
    """Each recipient once (by user and by normalised address, never the actor), with the events they hear of."""
    requester_side = [incident.requester, *incident.watchers.filter(role=Role.END_USER).order_by("pk")]
    out: dict[str, tuple[Recipient, list[str]]] = {}
    for event in EVENTS:
        if event not in events:
            continue
        if event == "created":
            people = [incident.requester]
        elif event in REQUESTER_EVENTS:
            people = requester_side
        elif event == "reply":
            people = [incident.assignee] if incident.assignee_id else team_audience(incident.team)
        else:  # team: only while nobody is assigned
            people = [] if incident.assignee_id else team_audience(incident.team)
        # the acknowledgement answers the requester's own action: the one e-mail the actor gets
        for recipient in recipients(people, actor=None if event == "created" else actor):
            out.setdefault(normalise_address(recipient.address), (recipient, []))[1].append(event)
    return list(out.values())


def _subject(incident: Incident, events: list[str], entry: JournalEntry | None) -> str:
    parts = []
    for event in events:
        if event == "state":
            parts.append(incident.get_state_display())
        elif event == "reply":
            parts.append(f"Reply from {incident.requester.display_name}")
        else:
            parts.append(SUBJECTS[event])
    return f"[{incident.number}] {', '.join(parts)}: {incident.title}"


def compose(incident: Incident, events: list[str], entry: JournalEntry | None, recipient: Recipient
            ) -> tuple[str, str]:
    """The subject and body one recipient gets for the events they hear of (one e-mail for them all)."""
    user = recipient.user
    for_desk = user is None or has_role(user, Role.AGENT)
    page = "agent-incident" if for_desk else "portal-incident"
    context = {
        "incident": incident, "entry": entry, "events": events,
        "sections": [f"incidents/email/{event}.txt" for event in events],
        "greeting": user.display_name if user is not None else (incident.team.name if incident.team_id else ""),
        "link": site_link(reverse(page, args=[incident.number])),
    }
    return _subject(incident, events, entry), render_for(recipient, "incidents/email/message.txt", context)


def send(events: str | list[str], incident_id: int, entry_id: int | None, key: str, actor_id: int | None = None
         ) -> int:
    """Send the e-mails of one action on an incident. Returns how many were sent now (0 when all were before)."""
    events = [events] if isinstance(events, str) else list(events)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValueError(f"unknown event {unknown[0]!r}")
    incident = (
        Incident.objects.select_related("requester", "assignee", "team").filter(pk=incident_id).first()
    )
    if incident is None:
        return 0
    entry = JournalEntry.objects.filter(pk=entry_id, internal=False).first() if entry_id else None
    if entry_id and entry is None:
        if any(e not in ("comment", "reply") for e in events):
            events = [e for e in events if e not in ("comment", "reply")]
        else:
            return 0  # a work note or a deleted entry: nothing goes out
    from accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    plan = audience(events, incident, actor)
    heard_by = {normalise_address(recipient.address): heard for recipient, heard in plan}

    def compose_for(recipient: Recipient) -> tuple[str, str]:
        return compose(incident, heard_by[normalise_address(recipient.address)], entry, recipient)

    return send_once(key, [recipient for recipient, _ in plan], compose_for)
