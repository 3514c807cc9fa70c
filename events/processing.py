"""Processing one stored event: what it does to its alert and to the incident of that alert.

One transaction per event, which locks, in this order: the event row (a task delivered twice does the work once:
only an event still waiting is processed), then the `Alert` row of its fingerprint (inserted if missing with
INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE: concurrent events of one fingerprint are handled
one after the other, so they raise one incident and count on it), then the incident (the incident services).

A firing event:
- while its alert is flapping (it changed between firing and resolved EVENTS_FLAP_CHANGES times within
  EVENTS_FLAP_MINUTES): held, a work note on the incident (at most one per EVENTS_NOTE_INTERVAL_MINUTES);
- information, or a rule that only records: recorded;
- a maintenance window or a change at work on its CI (events.rules.suppression): suppressed;
- its alert's incident is open: counted on it (deduplicated), a work note at most once per interval;
- its alert's incident was resolved automatically less than EVENTS_REOPEN_GRACE_MINUTES ago: reopened;
- else: a new incident (channel Monitoring, raised by and for the monitoring user, its CI recorded as affected),
  correlated with the incidents of its CI's failing dependencies or dependents (events.correlation).
A resolved event resolves its alert's open incident when nobody worked on it, else adds a work note.

"Nobody worked on it": it has no assignee and every entry of its history (comments, work notes, field changes,
state changes) was written by the monitoring user or the system. An agent who comments, assigns, moves or edits it
has worked on it, and then only a person resolves it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from cmdb import services as cmdb
from core import clock, writes
from core.limits import TITLE_MAX_LENGTH
from core.models import JournalEntry
from events import correlation, rules
from events.choices import EventState, Status
from events.models import Alert, Event
from events.signals import event_processed
from incidents import services as incidents
from incidents.choices import OPEN_STATES, Channel, ResolutionCode, State
from incidents.models import Incident

log = logging.getLogger(__name__)


def system_user() -> User:
    """The monitoring user (EVENTS_SYSTEM_USERNAME), created on first use: an agent in no team, who cannot sign
    in. Monitoring's incidents are raised by and for it; its notes carry its name."""
    user, created = User.objects.get_or_create(
        username=settings.EVENTS_SYSTEM_USERNAME,
        defaults={"role": Role.AGENT, "first_name": "Monitoring", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def words(at: datetime) -> str:
    """A time in a note, in words: "at 14:05 UTC on 5 Dec 2026" (notes are text, read in any time zone)."""
    at = at.astimezone(UTC)
    return f"at {at:%H:%M} UTC on {at.day} {at:%b %Y}"


def lock_alert(event: Event, now: datetime) -> Alert:
    """The alert of the event's fingerprint, created if new, locked for this transaction."""
    Alert.objects.bulk_create([Alert(
        fingerprint=event.fingerprint, source=event.source, node=event.node, check_name=event.check_name,
        status=event.status, first_seen=now, last_seen=now,
    )], ignore_conflicts=True)
    return Alert.objects.select_for_update().get(fingerprint=event.fingerprint)


def late(event: Event, alert: Alert) -> bool:
    """A firing occurrence processed after its own resolution (two workers took them in the wrong order)."""
    return (event.status == Status.FIRING and event.starts_at is not None and alert.resolved_starts_at is not None
            and event.starts_at <= alert.resolved_starts_at)


def track_changes(alert: Alert, status: str, now: datetime) -> bool:
    """Record a change between firing and resolved; whether the alert is flapping now."""
    since = now - timedelta(minutes=settings.EVENTS_FLAP_MINUTES)
    recent = [t for t in alert.changes if datetime.fromisoformat(t) > since]
    if status != alert.status:
        recent.append(now.isoformat())
    alert.changes = recent[-(settings.EVENTS_FLAP_CHANGES * 2):]
    alert.flapping = len(recent) >= settings.EVENTS_FLAP_CHANGES
    alert.status = status
    return alert.flapping


def untouched(incident: Incident, system: User) -> bool:
    """Nobody worked on the incident: no assignee, and nothing in its history written by a person."""
    if incident.assignee_id is not None:
        return False
    return not JournalEntry.objects.filter(ticket_id=incident.pk, actor__isnull=False).exclude(
        actor_id=system.pk).exists()


def note(alert: Alert, system: User, body: str, now: datetime, *, always: bool = False) -> None:
    """A work note on the alert's open incident, at most once per EVENTS_NOTE_INTERVAL_MINUTES (unless `always`)."""
    incident = alert.incident
    if incident is None or incident.state not in (*OPEN_STATES, State.RESOLVED):
        return
    interval = timedelta(minutes=settings.EVENTS_NOTE_INTERVAL_MINUTES)
    if not always and alert.last_note_at is not None and now - alert.last_note_at < interval:
        return
    incidents.add_comment(incident, system, body, internal=True)
    alert.last_note_at = now


def description(event: Event) -> str:
    lines = [event.summary, "", f"Raised by monitoring ({event.source}) from an event received "
                                f"{words(event.received_at)}."]
    if event.labels:
        lines += ["", "Labels:"] + [f"- {k}: {v}" for k, v in sorted(event.labels.items())]
    url = (event.annotations or {}).get("generatorURL")
    if url:
        lines += ["", f"Source: {url}"]
    return "\n".join(lines)


def raise_incident(event: Event, alert: Alert, decision: rules.Decision, system: User, now: datetime) -> Incident:
    """A new incident for the event, its CI recorded, correlated with related monitoring incidents."""
    about = decision.ci.name if decision.ci else (event.node or event.source)
    data: dict[str, Any] = {
        "title": f"{event.check_name} on {about}: {event.summary}"[:TITLE_MAX_LENGTH],
        "description": description(event), "impact": decision.impact, "urgency": decision.urgency,
    }
    if decision.team_id:
        data["team"] = decision.team_id
    parent = correlation.parent_for(decision.ci, alert, now)
    if parent is not None:
        data["parent"] = parent
    incident = incidents.create_incident(system, data, channel=Channel.MONITORING)
    if decision.ci is not None:
        cmdb.affect(incident, decision.ci, system)
        if parent is None:
            correlation.adopt_children(incident, decision.ci, alert, system, now)
    alert.incident, alert.count, alert.auto_resolved_at, alert.last_note_at = incident, 1, None, now
    return incident


def on_firing(event: Event, alert: Alert, decision: rules.Decision, system: User, now: datetime) -> None:
    incident = alert.incident
    if not decision.ticket:
        event.state = EventState.RECORDED
        event.note = ("Information: recorded, never ticketed." if event.severity == "info"
                      else f"Rule “{decision.rule}” records these events only.")[:300]
        return
    reason = rules.suppression(decision.ci, now)
    if reason:
        event.state, event.note = EventState.SUPPRESSED, reason
        return
    if incident is not None and incident.state in OPEN_STATES:
        alert.count += 1
        event.state, event.incident = EventState.DEDUPLICATED, incident
        event.note = f"Counted on {incident.number}: {alert.count} occurrences."
        note(alert, system, f"The alert is still firing: {alert.count} occurrences since this incident was raised, "
                            f"the last {words(now)}.", now)
        return
    grace = timedelta(minutes=settings.EVENTS_REOPEN_GRACE_MINUTES)
    if (incident is not None and incident.state == State.RESOLVED and alert.auto_resolved_at is not None
            and now - alert.auto_resolved_at <= grace):
        incidents.transition(incident, None, State.IN_PROGRESS)
        incident.refresh_from_db()
        alert.count, alert.auto_resolved_at = alert.count + 1, None
        note(alert, system, f"Reopened: the alert fired again {words(now)}, within "
                            f"{settings.EVENTS_REOPEN_GRACE_MINUTES} minutes of its automatic resolution.", now,
             always=True)
        event.state, event.incident = EventState.TICKETED, incident
        event.note = f"Reopened {incident.number}."
        return
    try:
        incident = raise_incident(event, alert, decision, system, now)
    except ValidationError as exc:  # the configuration refuses it (a retired team...): say so, do not retry forever
        event.state = EventState.RECORDED
        event.note = f"No incident could be raised: {writes.error_text(exc)}"[:300]
        log.warning("event %s: no incident: %s", event.pk, exc)
        return
    event.state, event.incident = EventState.TICKETED, incident
    event.note = f"Raised {incident.number}." + (f" Part of {incident.parent.number}." if incident.parent else "")


def on_resolved(event: Event, alert: Alert, system: User, now: datetime) -> None:
    incident = alert.incident
    if incident is None or incident.state not in OPEN_STATES:
        event.state, event.note = EventState.RECORDED, "No open incident to resolve."
        return
    event.incident = incident
    event.state = EventState.RESOLVED
    if untouched(incident, system):
        incidents.transition(incident, None, State.RESOLVED, resolution_code=ResolutionCode.SOLVED,
                             resolution_notes=f"Resolved automatically: monitoring reported the alert resolved "
                                              f"{words(now)}, and nobody had worked on this incident.")
        alert.auto_resolved_at = now
        event.note = f"Resolved {incident.number} automatically."
    else:
        note(alert, system, f"Monitoring reports the alert resolved {words(now)}. Someone worked on this "
                            f"incident, so it stays open: resolve it when you are done.", now, always=True)
        event.note = f"{incident.number} was worked on: a work note tells its team."


def on_flapping(event: Event, alert: Alert, system: User, now: datetime, *, started: bool) -> None:
    event.state, event.incident = EventState.FLAPPING, alert.incident
    event.note = "Held: the alert keeps changing between firing and resolved."
    if alert.incident is not None and alert.incident.state in OPEN_STATES:
        alert.count += 1
    note(alert, system, f"The alert is flapping: it changed between firing and resolved {len(alert.changes)} times "
                        f"within {settings.EVENTS_FLAP_MINUTES} minutes. Its events are held (no new incident, no "
                        f"automatic resolution) until it settles.", now, always=started)


def process(event_id: int) -> str | None:
    """Process one stored event (idempotent: an event already processed is left alone); its new state."""
    system = system_user()
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.state != EventState.RECEIVED:
            return None
        now = clock.now()
        decision = rules.decide(event)
        alert = lock_alert(event, now)
        if alert.incident_id is not None:
            alert.incident = Incident.objects.select_related("parent").get(pk=alert.incident_id)
        was_flapping = alert.flapping
        alert.last_seen, alert.ci = now, decision.ci or alert.ci
        if late(event, alert):
            event.state, event.note = EventState.RECORDED, "Arrived after its own resolution: nothing to do."
        elif track_changes(alert, event.status, now):
            on_flapping(event, alert, system, now, started=not was_flapping)
        elif event.status == Status.FIRING:
            on_firing(event, alert, decision, system, now)
        else:
            on_resolved(event, alert, system, now)
        if event.status == Status.RESOLVED and event.starts_at is not None and (
                alert.resolved_starts_at is None or event.starts_at > alert.resolved_starts_at):
            alert.resolved_starts_at = event.starts_at
        alert.save()
        event.alert, event.ci, event.processed_at = alert, decision.ci, now
        event.save(update_fields=["state", "note", "incident", "alert", "ci", "processed_at"])
        event_processed.send(sender=Event, event=event)
        return event.state
