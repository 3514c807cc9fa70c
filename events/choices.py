"""The choices of event management: an event's status and severity, and what became of it (its state)."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    WARNING = "warning", "Warning"
    INFO = "info", "Information"


class EventState(models.TextChoices):
    RECEIVED = "received", "Waiting"  # stored, the task has not run yet
    RECORDED = "recorded", "Recorded"  # kept, no incident (information, a rule said so, nothing to resolve)
    TICKETED = "ticketed", "Incident raised"  # raised (or reopened) an incident
    SUPPRESSED = "suppressed", "Suppressed"  # maintenance window or a change at work on the CI
    DEDUPLICATED = "deduplicated", "Duplicate"  # counted on the open incident of its fingerprint
    FLAPPING = "flapping", "Flapping"  # held: its alert changes too often
    RESOLVED = "resolved", "Resolved"  # an alert's end, applied to its incident


# severity -> (impact, urgency) when no rule says otherwise; information is never ticketed
SEVERITY_IMPACT_URGENCY = {
    Severity.CRITICAL: (1, 1),
    Severity.MAJOR: (1, 2),
    Severity.MINOR: (2, 2),
    Severity.WARNING: (3, 2),
}

# what Alertmanager's `severity` label values commonly are, mapped to ours (anything else: warning)
SEVERITY_ALIASES = {
    "critical": Severity.CRITICAL, "crit": Severity.CRITICAL, "page": Severity.CRITICAL, "fatal": Severity.CRITICAL,
    "emergency": Severity.CRITICAL, "major": Severity.MAJOR, "high": Severity.MAJOR, "error": Severity.MAJOR,
    "minor": Severity.MINOR, "medium": Severity.MINOR, "warning": Severity.WARNING, "warn": Severity.WARNING,
    "low": Severity.WARNING, "info": Severity.INFO, "information": Severity.INFO, "informational": Severity.INFO,
    "none": Severity.INFO, "notice": Severity.INFO,
}
