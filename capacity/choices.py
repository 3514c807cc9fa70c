"""The choices of capacity management: a metric's threshold level and the states of its forecast."""

from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    """Where a metric's last value stands against its thresholds (ordered: ok < warning < critical)."""

    OK = "ok", "Normal"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


LEVEL_RANK = {Level.OK: 0, Level.WARNING: 1, Level.CRITICAL: 2}


class Outlook(models.TextChoices):
    """What the forecast says."""

    REACHED = "reached", "Limit reached"
    DATE = "date", "Limit reached on a date"
    BEYOND = "beyond", "Not within a year"
    NOT_RISING = "not_rising", "Not rising"
    UNKNOWN = "unknown", "Too few samples"
