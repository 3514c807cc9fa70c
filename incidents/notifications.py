"""Who hears of what on an incident, and the e-mails they get (rendered from templates/incidents/email/).

- requester (and end-user watchers): the acknowledgement of a new incident, assignment, state change, a public
  comment from the desk;
- the assignee, or the team when unassigned: a reply from the requester;
- the team (its mailbox, else its members): a new incident, or one moved to it, that nobody is assigned to.
Work notes never produce an e-mail to anyone outside the desk.

One action (a service function such as `take`, which assigns and changes the state) sends at most one e-mail
per recipient, combining what changed; nobody is mailed about their own action (except the requester's
acknowledgement of the incident they raised, which the portal promises). Services mark their entry
points with `@action` and call `notify(...)`; the events of one action go to one Celery task after commit,
so a bulk action too sends each person one e-mail (listing every incident they hear of).
"""

from __future__ import annotations

import functools
import hashlib
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
    enqueued together when it returns, after the transaction commits: one task for all the incidents it touched
    (a bulk action), so each person gets one e-mail. A nested service that fails (a bulk item refused) leaves
    no notification behind."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pending = _pending.get()
        if pending is not None:
            snapshot = {pk: {**item, "events": list(item["events"])} for pk, item in pending.items()}
            try:
                return func(*args, **kwargs)
            except BaseException:
                pending.clear()
                pending.update(snapshot)
                raise
        token = _pending.set({})
        try:
            result = func(*args, **kwargs)
            pending = _pending.get() or {}
        finally:
            _pending.reset(token)
        if pending:
            _enqueue(list(pending.values()))
        return result

    return wrapper  # type: ignore[return-value]


def notify(event: str, incident: Incident, actor: Any = None, entry_id: int | None = None) -> None:
    """Ask for the e-mails of `event` (one of EVENTS); inside an `@action` they are combined with the others."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    pending = _pending.get()
    item = {"incident": incident, "events": [event], "entry_id": entry_id, "actor_id": getattr(actor, "pk", None)}
    if pending is None:
        _enqueue([item])
        return
    current = pending.setdefault(incident.pk, {**item, "events": []})
    current["incident"] = incident  # the latest copy carries the final version
    if event not in current["events"]:
        current["events"].append(event)
    current["entry_id"] = current["entry_id"] or entry_id
    current["actor_id"] = current["actor_id"] or item["actor_id"]  # the first person acting is the action's actor


def _key(item: dict[str, Any]) -> str:
    incident = item["incident"]
    events = [e for e in EVENTS if e in item["events"]]
    return f"incident:{incident.pk}:v{incident.version}:e{item['entry_id'] or 0}:{'+'.join(events)}"


def _enqueue(items: list[dict[str, Any]]) -> None:
    from incidents.tasks import send_incident_digest, send_incident_notification

    actor_id = next((item["actor_id"] for item in items if item["actor_id"]), None)
    parts = [[[e for e in EVENTS if e in item["events"]], item["incident"].pk, item["entry_id"]] for item in items]
    if len(items) == 1:
        events, incident_id, entry_id = parts[0]
        enqueue_on_commit(send_incident_notification, events, incident_id, entry_id, _key(items[0]), actor_id)
        return
    digest = hashlib.sha256("|".join(sorted(_key(item) for item in items)).encode()).hexdigest()[:32]
    enqueue_on_commit(send_incident_digest, parts, f"incidents:{digest}", actor_id)


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


def _subject(incident: Incident, events: list[str]) -> str:
    parts = []
    for event in events:
        if event == "state":
            parts.append(incident.get_state_display())
        elif event == "reply":
            parts.append(f"Reply from {incident.requester.display_name}")
        else:
            parts.append(SUBJECTS[event])
    return ", ".join(parts)


Block = tuple[Incident, list[str], JournalEntry | None]  # an incident, the events heard of, the public entry


def compose(blocks: list[Block], recipient: Recipient) -> tuple[str, str]:
    """The subject and body one recipient gets for everything they hear of in one action (one e-mail)."""
    user = recipient.user
    page = "agent-incident" if user is None or has_role(user, Role.AGENT) else "portal-incident"
    first = blocks[0][0]
    context = {
        "blocks": [{
            "incident": incident, "entry": entry, "events": events,
            "sections": [f"incidents/email/{event}.txt" for event in events],
            "link": site_link(reverse(page, args=[incident.number])),
        } for incident, events, entry in blocks],
        "greeting": user.display_name if user is not None else (first.team.name if first.team_id else ""),
    }
    if len(blocks) == 1:
        subject = f"[{first.number}] {_subject(first, blocks[0][1])}: {first.title}"
    else:
        summary = list(dict.fromkeys(_subject(incident, events) for incident, events, _ in blocks))
        subject = f"{len(blocks)} incidents: {'; '.join(summary)} ({', '.join(b[0].number for b in blocks)})"
    return subject, render_for(recipient, "incidents/email/message.txt", context)


def _block(events: list[str], incident_id: int, entry_id: int | None) -> tuple[Incident, list[str],
                                                                             JournalEntry | None] | None:
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValueError(f"unknown event {unknown[0]!r}")
    incident = Incident.objects.select_related("requester", "assignee", "team").filter(pk=incident_id).first()
    if incident is None:
        return None
    entry = JournalEntry.objects.filter(pk=entry_id, internal=False).first() if entry_id else None
    if entry_id and entry is None:
        events = [e for e in events if e not in ("comment", "reply")]  # a work note (or deleted entry) stays home
    return (incident, events, entry) if events else None


def send_all(parts: list, key: str, actor_id: int | None = None) -> int:
    """Send the e-mails of one action on one or more incidents ([events, incident id, entry id] each): one
    e-mail per recipient with every incident they hear of. Returns how many were sent now (0 when all were)."""
    from accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    plan: dict[str, tuple[Recipient, list[Block]]] = {}
    for events, incident_id, entry_id in parts:
        block = _block([events] if isinstance(events, str) else list(events), incident_id, entry_id)
        if block is None:
            continue
        incident, events, entry = block
        for recipient, heard in audience(events, incident, actor):
            plan.setdefault(normalise_address(recipient.address), (recipient, []))[1].append((incident, heard, entry))

    def compose_for(recipient: Recipient) -> tuple[str, str]:
        return compose(plan[normalise_address(recipient.address)][1], recipient)

    return send_once(key, [recipient for recipient, _ in plan.values()], compose_for)


def send(events: str | list[str], incident_id: int, entry_id: int | None, key: str, actor_id: int | None = None
         ) -> int:
    """Send the e-mails of one action on one incident. Returns how many were sent now."""
    return send_all([[events, incident_id, entry_id]], key, actor_id)
