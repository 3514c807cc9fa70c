"""Continual improvement: KPI targets, the improvement register, and the kept monthly KPI values.

KPIs themselves are not rows: they are registered functions (improvement.kpis) computed in SQL from the tickets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


def kpi_label(key: str) -> str:
    """A KPI's label from the registry (its key for a KPI no longer registered)."""
    from improvement import kpis

    kpi = kpis.find(key)
    return kpi.label if kpi else key.replace("_", " ")


class KpiTarget(models.Model):
    """A manager's target for a KPI (by its registry key): green when the value meets it, amber within the amber
    band (on the wrong side of the target by at most `amber_band`, in the KPI's unit), red beyond."""

    kpi = models.CharField("KPI", max_length=40, unique=True)
    target = models.FloatField()
    amber_band = models.FloatField(default=0, help_text="How far on the wrong side of the target is still amber.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amber_band__gte=0), name="kpi_target_band_positive")]

    def __str__(self) -> str:
        return f"Target of {kpi_label(self.kpi)}: {self.target:g}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


class ImprovementAction(models.Model):
    """An entry of the improvement register: what will be done about a KPI, by whom and when.

    `kpi` and `filters` (the dashboard filters it was raised with, e.g. {"kind": "incident", "team": 3}) say which
    figure it is about; `month` the month of the figure it was raised from. `value_before`: the KPI's value that
    month, taken when the action was raised. `value_after`: frozen when the action is done (the latest complete
    month's value then); while it is not, pages show the latest value computed on the spot.
    """

    title = models.CharField("what", max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="improvement_actions")
    due_date = models.DateField(null=True, blank=True)
    kpi = models.CharField("KPI", max_length=40)
    filters = models.JSONField(default=dict, blank=True)
    month = models.DateField(help_text="The first day of the month of the figure the action was raised from.")
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    value_before = models.FloatField(null=True, blank=True)
    value_after = models.FloatField(null=True, blank=True)
    after_month = models.DateField(null=True, blank=True, help_text="The month the value after was frozen for.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="improvement_action_status"),
                   models.Index(fields=["kpi", "-created_at"], name="improvement_action_kpi")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class KpiSnapshot(models.Model):
    """A KPI's value for a past month as computed for one scope (whose figures: "all", or an agent's teams) and
    filters: the dashboard reads past months from here and computes only the running month, so that it answers
    in bounded time over millions of tickets. Kept up to KPI_SNAPSHOT_MINUTES, refreshed by Celery for the
    managers' default view (improvement.tasks) and on demand for the others."""

    kpi = models.CharField(max_length=40)
    scope = models.CharField(max_length=200)
    filters = models.CharField(max_length=200, blank=True)
    month = models.DateField()
    value = models.FloatField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kpi", "scope", "filters", "month"], name="kpi_snapshot_once")]

    def __str__(self) -> str:
        return f"{kpi_label(self.kpi)}, {self.month:%b %Y}: {self.value}"
