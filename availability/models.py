"""Availability of service: the outages of each service (catalog.Service) and its availability target.

An outage is an interval [start, end) of a service (end empty while it lasts), full or partial, usually caused by
an incident (recorded automatically: availability.recording), or recorded by a manager. A full outage counts as
downtime except where a change scheduled on the service covered it (planned maintenance: availability.report).

The target lives here, one row per service (`AvailabilityTarget`), not in sla: the SLA definitions are timers on
tickets matched by conditions, with no per-service agreement to hang a percentage on.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from availability.choices import Severity, Source
from core.limits import long_text


class AvailabilityTarget(models.Model):
    """The availability a service promises (the availability clause of its service-level agreement), in percent
    of the time of a period: 99.5 allows 3 h 39 min of unplanned downtime in a 30-day month."""

    service = models.OneToOneField("catalog.Service", on_delete=models.CASCADE, related_name="availability_target")
    target = models.DecimalField(
        "target (%)", max_digits=6, decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of the period the service must be available, e.g. 99.5.")

    class Meta:
        ordering = ["service__name"]

    def __str__(self) -> str:
        return f"{self.service} {self.target}%"


class Outage(models.Model):
    """One interruption (full) or degradation (partial) of a service, from `start` to `end` (empty: ongoing).

    An outage recorded from an incident (`incident`, `source` not manual) follows it: it starts when the incident
    was opened and ends when it is resolved, until a manager adjusts it (`adjusted`): then it is theirs."""

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="outages")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="outages", help_text="The incident that caused it, if any.")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty while the outage lasts.")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.FULL)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    description = models.TextField(**long_text(blank=True))
    adjusted = models.BooleanField(default=False, help_text="Edited by a person: the incident no longer moves it.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                                   name="outage_end_after_start"),
            # one automatic outage per incident and service: recording twice changes nothing
            models.UniqueConstraint(fields=["incident", "service"], condition=Q(incident__isnull=False),
                                    name="outage_once_per_incident_service"),
        ]
        indexes = [models.Index(fields=["service", "start"], name="outage_service_start")]

    def __str__(self) -> str:
        return f"{self.service} outage from {self.start:%Y-%m-%d %H:%M}"


class OutageChange(models.Model):
    """The journal of an outage: who changed what, when (a manager's adjustment, a deletion, the incident's
    resolution). Kept when the outage is deleted (`outage` empty, `service` and `summary` say which it was)."""

    outage = models.ForeignKey(Outage, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField()
    action = models.CharField(max_length=16)  # created, changed, ended, reopened, deleted
    summary = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["outage", "at"], name="outage_change_outage")]

    def __str__(self) -> str:
        return f"{self.action} {self.summary}"
