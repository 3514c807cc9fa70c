"""The choices of availability: how bad an outage is and where its record comes from."""

from django.db import models


class Severity(models.TextChoices):
    """A full outage is downtime; a partial one (degraded service) is shown but does not count as downtime."""

    FULL = "full", "Full outage"
    PARTIAL = "partial", "Partial (degraded)"


class Source(models.TextChoices):
    """Recorded automatically from an incident (major, or raised by monitoring on a CI of the service), or by a
    manager by hand."""

    MAJOR_INCIDENT = "major_incident", "Major incident"
    MONITORING = "monitoring", "Monitoring incident"
    MANUAL = "manual", "Recorded by hand"
