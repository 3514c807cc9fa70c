"""Outages recorded from incidents, automatically and idempotently.

An incident records an outage of a service when it is
- a major incident (`major`): a full outage of its service (or, without one, of the services its CIs support);
- raised by event management (channel Monitoring) on a CI that supports services: an outage of each of them, full
  when the incident's impact is high, partial (degraded) otherwise.
The outage starts when the incident was opened and ends when it is resolved (or cancelled); reopening it opens
the outage again. `sync` brings the incident's outages in step with the incident whatever happened before, so
running it twice changes nothing; an outage a manager adjusted is theirs and is left alone.

It runs inside the write's transaction: on every incident write (core.services.ticket_changed, the ticket row
locked) and when a CI is recorded as affected or no longer (post_save / post_delete of cmdb.AffectedCI: event
management records the CI right after raising the incident).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from availability.choices import Severity, Source
from availability.models import Outage, OutageChange
from cmdb.models import ConfigurationItem
from core import clock
from core.models import Impact, Ticket, TicketKind
from incidents.choices import WORKFLOW, Channel
from incidents.models import Incident


def wanted(incident: Incident) -> dict[int, tuple[str, str]]:
    """The outages `incident` should have: {service id: (severity, source)}. One query for the services of its
    CIs when it needs them, none otherwise."""
    monitoring = incident.channel == Channel.MONITORING
    if not incident.major and not monitoring:
        return {}
    if incident.major and incident.service_id:
        return {incident.service_id: (Severity.FULL, Source.MAJOR_INCIDENT)}
    services = set(ConfigurationItem.services.through.objects.filter(
        configurationitem__tickets__ticket_id=incident.pk).values_list("service_id", flat=True))
    if incident.major:
        return {pk: (Severity.FULL, Source.MAJOR_INCIDENT) for pk in services}
    severity = Severity.FULL if incident.impact == Impact.HIGH else Severity.PARTIAL
    return {pk: (severity, Source.MONITORING) for pk in services}


def end_of(incident: Incident) -> datetime | None:
    """When the incident stopped the outage: its resolution (or cancellation); None while it is open."""
    if WORKFLOW.is_resolved(incident.state):
        return incident.resolved_at or incident.closed_at or clock.now()
    if WORKFLOW.is_cancelled(incident.state):
        return incident.closed_at or clock.now()
    return None


def note(outage: Outage, action: str, summary: str, at: datetime, actor: Any = None) -> OutageChange:
    return OutageChange.objects.create(outage=outage if outage.pk else None, service_id=outage.service_id,
                                       actor=actor, at=at, action=action, summary=summary[:500])


def sync(incident: Incident) -> None:
    """Bring the outages recorded from `incident` in step with it (see the module docstring)."""
    desired = wanted(incident)
    existing = {o.service_id: o for o in Outage.objects.filter(incident_id=incident.pk)}
    if not desired and not existing:
        return
    now = clock.now()
    end = end_of(incident)
    if end is not None and end <= incident.opened_at:  # over the instant it began: no time was lost
        desired = {}
    for service_id, (severity, source) in desired.items():
        outage = existing.get(service_id)
        if outage is None:
            outage = Outage.objects.create(
                service_id=service_id, incident=incident, start=incident.opened_at, end=end, severity=severity,
                source=source, created_at=now, updated_at=now)
            note(outage, "created", f"Recorded from {incident.number} ({Source(source).label.lower()}).", now)
            continue
        if outage.adjusted or (outage.end == end and outage.severity == severity):
            continue
        action = "ended" if end is not None and outage.end is None else "reopened" if end is None else "changed"
        outage.end, outage.severity, outage.updated_at = end, severity, now
        outage.save(update_fields=["end", "severity", "updated_at"])
        note(outage, action, f"{incident.number} is {WORKFLOW.label(incident.state).lower()}.", now)
    for service_id, outage in existing.items():
        if service_id not in desired and not outage.adjusted:
            note(outage, "deleted", f"{incident.number} no longer causes an outage of this service.", now)
            outage.delete()


def follow_ticket(sender: type, ticket: Ticket, at: Any, **kwargs: Any) -> None:
    """Receiver of core.services.ticket_changed: an incident's write keeps its outages in step (one indexed query
    for an incident that is neither major nor from monitoring and never recorded one; none for other kinds)."""
    if ticket.kind != TicketKind.INCIDENT or not isinstance(ticket, Incident):
        return
    sync(ticket)


def follow_affected_ci(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Receiver of post_save / post_delete of cmdb.AffectedCI: the services an incident's CIs support decide the
    outages of a monitoring incident (or a major one without a service)."""
    if raw:
        return
    incident = Incident.objects.filter(pk=instance.ticket_id).first()
    if incident is not None and (incident.major or incident.channel == Channel.MONITORING):
        sync(incident)
