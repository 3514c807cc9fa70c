"""Sample payloads in the shapes monitoring sends, and helpers to post and process them."""

from __future__ import annotations

import copy
from typing import Any

from django.utils import timezone

from events import processing
from events.models import Event


def am_alert(name: str = "HighCPU", instance: str = "db-1:9100", *, status: str = "firing",
             fingerprint: str = "a1b2c3d4e5f60718", severity: str = "critical",
             starts: str = "2026-12-05T10:00:00.000Z", ends: str = "0001-01-01T00:00:00Z") -> dict[str, Any]:
    """One alert of an Alertmanager webhook, as Alertmanager writes it."""
    return {
        "status": status,
        "labels": {"alertname": name, "instance": instance, "job": "node", "severity": severity},
        "annotations": {"summary": f"{name} on {instance}", "description": "CPU above 95% for 5 minutes."},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=cpu&g0.tab=1",
        "fingerprint": fingerprint,
    }


def alertmanager(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """Alertmanager's webhook notification, version 4, exactly as documented."""
    alerts = alerts or (am_alert(),)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighCPU"}',
        "truncatedAlerts": 0,
        "status": status or alerts[0]["status"],
        "receiver": "itsm",
        "groupLabels": {"alertname": alerts[0]["labels"].get("alertname", "")},
        "commonLabels": {"job": "node"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [copy.deepcopy(a) for a in alerts],
    }


def generic(**overrides: Any) -> dict[str, Any]:
    body = {"source": "nagios", "node": "web-1", "check": "disk_space", "severity": "major",
            "message": "Disk /var is 97% full", "status": "firing"}
    body.update(overrides)
    return body


def store(**fields: Any) -> Event:
    """An event stored as the endpoint stores it (for processing tests)."""
    defaults = {"received_at": timezone.now(), "source": "nagios", "fingerprint": "nagios/web-1/disk_space",
                "status": "firing", "severity": "major", "node": "web-1", "check_name": "disk_space",
                "summary": "Disk /var is 97% full"}
    defaults.update(fields)
    return Event.objects.create(**defaults)


def fire(**fields: Any) -> Event:
    """Store an event and process it, as the Celery task would; the event as it ended."""
    event = store(**fields)
    processing.process(event.pk)
    event.refresh_from_db()
    return event


def resolve(**fields: Any) -> Event:
    return fire(status="resolved", **fields)
