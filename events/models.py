"""Event management: the events monitoring sends, the alerts they are occurrences of, and the admin's rules.

- `Event`: one notification as received (an Alertmanager alert or a generic event), stored before anything else
  happens to it, then processed by a Celery task (events.processing) which records what became of it (`state`).
- `Alert`: one per fingerprint (unique): the thing that fires and resolves again and again. It links the
  occurrences to the incident they produced, counts them, and is the row processing locks, so that concurrent
  occurrences of one fingerprint are handled one after the other (one incident, never two).
- `EventRule`: admin-configured, ordered: which events it matches, how they map to a CI, an impact and urgency, a
  team; or that they are only recorded.
- `MaintenanceWindow`: while one covers now (for every CI, or one CI), firing events are recorded as suppressed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import Impact, Urgency
from events.choices import EventState, Severity, Status


class EventRule(models.Model):
    """One rule of event processing; the active rule of lowest `order` that matches an event applies to it.

    Matching: every condition that is set must hold (`source` exactly, case-insensitive; `node_pattern` and
    `label_value` as shell-style patterns, e.g. `db-*`). The rule then says which label names the CI (else the
    usual ones: instance, host, node, then the node itself), the impact and urgency (else from the severity), the
    team (else the CI's support team), and whether the events raise incidents at all."""

    order = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    source = models.CharField(max_length=100, blank=True, help_text="Only events of this source (empty: any).")
    node_pattern = models.CharField(max_length=200, blank=True,
                                    help_text="Only events whose node matches this pattern, e.g. db-* (empty: any).")
    label_name = models.CharField(max_length=100, blank=True, help_text="Only events with this label...")
    label_value = models.CharField(max_length=200, blank=True,
                                   help_text="... whose value matches this pattern (empty: any value).")
    ci_label = models.CharField(max_length=100, blank=True,
                                help_text="The label naming the CI (empty: instance, host or node, else the node).")
    impact = models.PositiveSmallIntegerField(null=True, blank=True, choices=Impact.choices,
                                              help_text="Empty: from the severity.")
    urgency = models.PositiveSmallIntegerField(null=True, blank=True, choices=Urgency.choices,
                                               help_text="Empty: from the severity.")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="Empty: the CI's support team.")
    raise_incidents = models.BooleanField(default=True,
                                          help_text="Off: matching events are recorded only, never ticketed.")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class MaintenanceWindow(models.Model):
    """A planned period during which firing events (of one CI, or of every CI) are recorded as suppressed."""

    name = models.CharField(max_length=200)
    start = models.DateTimeField()
    end = models.DateTimeField()
    ci = models.ForeignKey("cmdb.ConfigurationItem", null=True, blank=True, on_delete=models.CASCADE,
                           related_name="+", verbose_name="configuration item", help_text="Empty: every CI.")

    class Meta:
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="maintenance_window_ends_after_it_starts")]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """What one fingerprint is: its last status, its CI, the incident its occurrences raised, and how often.

    `count` is the number of occurrences since `incident` was raised (or reopened); `changes` the recent times it
    changed between firing and resolved (flapping detection)."""

    fingerprint = models.CharField(max_length=128, unique=True)
    source = models.CharField(max_length=100)
    node = models.CharField(max_length=200, blank=True)
    check_name = models.CharField("check", max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FIRING)
    ci = models.ForeignKey("cmdb.ConfigurationItem", null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="alerts")
    count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    last_note_at = models.DateTimeField(null=True, blank=True)
    auto_resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_starts_at = models.DateTimeField(null=True, blank=True,
                                              help_text="The start of the last occurrence reported resolved.")
    flapping = models.BooleanField(default=False)
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-last_seen"]
        indexes = [models.Index(fields=["-last_seen"], name="alert_open_recent",
                                condition=Q(incident__isnull=False))]

    def __str__(self) -> str:
        return self.fingerprint


class Event(models.Model):
    """One event as monitoring sent it, and what processing made of it (`state`, `note`, `incident`).

    `dedup_key` identifies a notification sent again (Alertmanager repeats a firing alert; a client retries): a
    second copy is not stored."""

    received_at = models.DateTimeField()
    source = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=Status.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    node = models.CharField(max_length=200, blank=True)
    check_name = models.CharField("check", max_length=200, blank=True)
    summary = models.TextField(blank=True, max_length=4000)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.RECEIVED)
    note = models.CharField(max_length=300, blank=True, help_text="Why it ended in its state, in words.")
    processed_at = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    ci = models.ForeignKey("cmdb.ConfigurationItem", null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+", verbose_name="configuration item")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="event_recent"),
            models.Index(fields=["state", "-received_at"], name="event_state_recent"),
            models.Index(fields=["fingerprint", "-received_at"], name="event_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.node} {self.check_name}".strip()
