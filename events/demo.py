"""Demo data of event management: a few events as monitoring left them in the console (none raising an incident,
so that the other practices' demo queues stay as they are): information recorded, a warning suppressed by a
maintenance window, a resolution with nothing to resolve, one still waiting for the worker (with beat running, the
sweep processes it within a minute: it then raises an incident, as monitoring would). Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import clock
from events.choices import EventState, Severity, Status
from events.ingest import digest
from events.models import Event, MaintenanceWindow

SEED_AFTER = ("accounts",)

EVENTS = [
    ("nagios", "web-3", "uptime", Severity.INFO, Status.FIRING, "Up for 12 days", EventState.RECORDED,
     "Information: recorded, never ticketed."),
    ("alertmanager", "backup-1:9100", "BackupSlow", Severity.WARNING, Status.FIRING, "Nightly backup above 2 hours",
     EventState.SUPPRESSED, "Maintenance window “Storage firmware upgrade”."),
    ("alertmanager", "mail-2:9100", "QueueLong", Severity.MINOR, Status.RESOLVED, "Mail queue back under 100",
     EventState.RECORDED, "No open incident to resolve."),
    ("zabbix", "print-1", "toner", Severity.WARNING, Status.FIRING, "Toner below 5%", EventState.RECEIVED, ""),
]


def seed(demo: Any) -> None:
    now = clock.now()
    MaintenanceWindow.objects.get_or_create(name="Storage firmware upgrade", defaults={
        "start": now - timedelta(days=1), "end": now - timedelta(days=1) + timedelta(hours=4)})
    made = 0
    for minutes, (source, node, check, severity, status, summary, state, note) in enumerate(EVENTS):
        key = digest("demo", source, node, check)
        if Event.objects.filter(dedup_key=key).exists():
            continue
        at = now - timedelta(minutes=10 * (len(EVENTS) - minutes))
        Event.objects.create(
            received_at=at, source=source, fingerprint=f"{source}/{node}/{check}".lower(), status=status,
            severity=severity, node=node, check_name=check, summary=summary, dedup_key=key, state=state, note=note,
            processed_at=None if state == EventState.RECEIVED else at,
        )
        made += 1
    if made:
        demo.created["event"] = demo.created.get("event", 0) + made
