"""Capacity management: what is measured against a limit (a `Metric` of a configuration item or of a service) and
its time series (`Sample`), and the desk's own capacity (`DeskCapacity`: open tickets an agent of a team carries).

A metric keeps its last value (`last_value`, `last_at`, kept by capacity.services when samples arrive) so lists
sort on utilisation without reading the samples, and what it last reported to event management (`level`,
`forecast_alert`) so that each crossing raises one event and going back under resolves it.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from capacity.choices import Level


class Metric(models.Model):
    """A capacity metric (CPU, storage, licences, seats...): its unit, its capacity (the limit), warning and
    critical thresholds as a percentage of that limit, the window its forecast is fitted on, and how close a
    forecast exhaustion must be to raise an event. It belongs to one configuration item or to one service."""

    name = models.CharField(max_length=100, help_text="What is measured, e.g. Storage, CPU, Licences.")
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. GB, %, licences.")
    capacity = models.FloatField(validators=[MinValueValidator(0.000001, "Give a capacity above zero."),
                                             MaxValueValidator(1e15, "Give a capacity of at most 10¹⁵.")],
                                 help_text="The limit, in the unit.")
    warning_pct = models.PositiveSmallIntegerField(
        "warning at (%)", default=80, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percentage of the capacity at which a warning event is raised.")
    critical_pct = models.PositiveSmallIntegerField(
        "critical at (%)", default=95, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percentage of the capacity at which a critical event is raised.")
    ci = models.ForeignKey("cmdb.ConfigurationItem", null=True, blank=True, on_delete=models.CASCADE,
                           related_name="capacity_metrics", verbose_name="configuration item")
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="capacity_metrics")
    window_days = models.PositiveSmallIntegerField(
        "forecast window (days)", default=90, validators=[MinValueValidator(2), MaxValueValidator(730)],
        help_text="The forecast is a straight line fitted on the samples of these last days.")
    alert_within_days = models.PositiveSmallIntegerField(
        "alert when full within (days)", default=30, validators=[MaxValueValidator(730)],
        help_text="Raise an event when the forecast reaches the capacity within this many days (0: never).")
    description = models.CharField(max_length=300, blank=True)
    last_value = models.FloatField(null=True, blank=True, editable=False)
    last_at = models.DateTimeField(null=True, blank=True, editable=False)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.OK, editable=False,
                             help_text="The threshold level last reported to event management.")
    forecast_alert = models.BooleanField(default=False, editable=False,
                                         help_text="Whether the forecast alert is firing.")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ci__isnull=False, service__isnull=True)
                                   | Q(ci__isnull=True, service__isnull=False), name="capacity_metric_one_owner",
                                   violation_error_message="Attach the metric to a configuration item or to a "
                                                           "service (one of them)."),
            models.CheckConstraint(condition=Q(warning_pct__lte=F("critical_pct")),
                                   name="capacity_metric_warning_below_critical",
                                   violation_error_message="The warning threshold must not be above the critical "
                                                           "one."),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="capacity_metric_capacity_positive"),
            models.UniqueConstraint(F("ci"), Lower("name"), condition=Q(ci__isnull=False),
                                    name="capacity_metric_ci_name_unique",
                                    violation_error_message="This configuration item already has a metric of "
                                                            "this name."),
            models.UniqueConstraint(F("service"), Lower("name"), condition=Q(service__isnull=False),
                                    name="capacity_metric_service_name_unique",
                                    violation_error_message="This service already has a metric of this name."),
        ]

    def __str__(self) -> str:
        owner = self.ci or self.service
        return f"{self.name} of {owner}" if owner else self.name

    @property
    def utilisation(self) -> float | None:
        """The last value as a percentage of the capacity."""
        return None if self.last_value is None else self.last_value / self.capacity * 100


class Sample(models.Model):
    """One measurement of a metric at a time; one per metric and time (a sample sent twice is stored once)."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="samples")
    at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["metric", "at"]
        constraints = [models.UniqueConstraint(fields=["metric", "at"], name="capacity_sample_once")]
        indexes = [models.Index(fields=["at"], name="capacity_sample_at")]  # the API's list, newest first

    def __str__(self) -> str:
        return f"{self.metric_id} {self.at:%Y-%m-%d %H:%M}: {self.value}"


class DeskCapacity(models.Model):
    """How many open tickets one agent of a team can carry (the team's capacity is that times its agents)."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="desk_capacity")
    open_per_agent = models.PositiveSmallIntegerField(
        "open tickets per agent", default=10, validators=[MinValueValidator(1), MaxValueValidator(1000)])

    class Meta:
        ordering = ["team__name"]
        verbose_name = "desk capacity"
        verbose_name_plural = "desk capacities"

    def __str__(self) -> str:
        return f"{self.team}: {self.open_per_agent} per agent"
