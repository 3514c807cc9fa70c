"""Every write on incidents: create, update, transition, comment, take, bulk actions, auto-close.

They go through the core write path (core.writes: field rules, version check, journal, SLA, notifications after
commit); what is the incident's own is declared on its kind (incidents.kind: categories, parent, hold and
resolution) or written here (a requester's reply reopens, auto-close). Each function is one notification
action (incidents.notifications.action): whatever it changes, each person gets one e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Team, User
from core import clock, writes
from core.services import ConflictError
from core.workflow import TransitionError
from core.writes import BulkResult
from incidents import notifications
from incidents.choices import State
from incidents.kind import INCIDENT
from incidents.models import Incident

__all__ = [
    "BulkResult",
    "ConflictError",
    "TransitionError",
    "add_comment",
    "auto_close_resolved",
    "bulk_assign",
    "bulk_transition",
    "create_incident",
    "take",
    "transition",
    "update_incident",
]


@notifications.action
def create_incident(actor: User, data: Mapping[str, Any], *, channel: str | None = None, uploads=()) -> Incident:
    """Raise an incident. End users raise their own; agents may raise one for any requester."""
    return writes.create(INCIDENT, actor, data, preset={"channel": channel} if channel else None, uploads=uploads)


@notifications.action
def update_incident(
    incident: Incident | int, actor: User | None, data: Mapping[str, Any], *, expected_version: int | None = None
) -> Incident:
    """Change fields (and the state, through the transition table). A stale `expected_version` changes nothing."""
    return writes.update(INCIDENT, incident, actor, data, expected_version=expected_version)


@notifications.action
def transition(
    incident: Incident | int, actor: User | None, target: str, *, expected_version: int | None = None,
    hold_reason: str = "", resolution_code: str = "", resolution_notes: str = "", comment: str = "",
    solved_by: str = "",
) -> Incident:
    """Move the incident to `target` if the transition table allows it and the target's needs are met (resolving
    may name the knowledge article that solved it, `solved_by`)."""
    return writes.transition(
        INCIDENT, incident, actor, target, expected_version=expected_version, comment=comment,
        fields={"hold_reason": hold_reason, "resolution_code": resolution_code, "resolution_notes": resolution_notes,
                "solved_by": solved_by},
    )


@notifications.action
def add_comment(incident: Incident, actor: User, body: str, *, internal: bool = False):
    """A public comment or (agents only) a work note (core.writes.add_comment). A requester's reply reopens a
    resolved incident and takes an incident awaiting the caller off hold; the other side is notified."""
    return writes.add_comment(incident, actor, body, internal=internal)


@notifications.action
def take(incident: Incident | int, agent: User, *, expected_version: int | None = None) -> Incident:
    """Assign the incident to `agent` (keeping its team if they are in it) and start work on a new one."""
    return writes.take(INCIDENT, incident, agent, expected_version=expected_version)


@notifications.action
def bulk_assign(incidents: Iterable[Incident], actor: User, *, team: Team | None, assignee: User | None) -> BulkResult:
    """Assign many incidents (each through update_incident); per-incident errors are collected, not fatal."""
    data: dict[str, Any] = {}
    if team is not None:
        data["team"] = team
    if assignee is not None:
        data["assignee"] = assignee
    if not data:
        raise ValidationError({"team": ["Choose a team or an assignee."]})
    return writes.bulk(incidents, lambda i: update_incident(i, actor, data))


@notifications.action
def bulk_transition(incidents: Iterable[Incident], actor: User, target: str, **fields) -> BulkResult:
    """Move many incidents (each through `transition`, with what the target state needs); per-incident refusals
    are collected, not fatal."""
    return writes.bulk(incidents, lambda i: transition(i, actor, target, **fields))


def auto_close_resolved(now=None, days: int | None = None) -> list[str]:
    """Close incidents resolved more than `days` ago (INCIDENT_AUTO_CLOSE_DAYS). Safe to run twice."""
    now = now or clock.now()
    days = settings.INCIDENT_AUTO_CLOSE_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    closed = []
    ids = list(
        Incident.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        with transaction.atomic():
            incident = writes.lock(INCIDENT, pk)
            if incident.state != State.RESOLVED or incident.resolved_at >= cutoff:
                continue  # reopened or handled meanwhile
            writes.move(
                INCIDENT, incident, None, State.CLOSED,
                system_note=f"Closed automatically: resolved {days} days ago with no reply from the requester.",
            )
            closed.append(incident.number)
    return closed
