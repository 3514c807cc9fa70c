"""The choices of configuration management: a CI's status and environment, and the kinds of relationship."""

from __future__ import annotations

from django.db import models


class CIStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_USE = "in_use", "In use"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    TEST = "test", "Test"
    DEVELOPMENT = "development", "Development"


class RelationKind(models.TextChoices):
    """A directed relationship from a CI (source) to another (target). In every kind the source depends on the
    target: when the target fails, the source is affected (impact runs against the arrows)."""

    RUNS_ON = "runs_on", "Runs on"
    DEPENDS_ON = "depends_on", "Depends on"
    CONNECTS_TO = "connects_to", "Connects to"
    HOSTED_BY = "hosted_by", "Hosted by"
    PART_OF = "part_of", "Part of"


# the same relationship read from its target: "db01 runs app01" for "app01 runs on db01"
INVERSE_LABELS = {
    RelationKind.RUNS_ON: "Runs", RelationKind.DEPENDS_ON: "Needed by", RelationKind.CONNECTS_TO: "Connected from",
    RelationKind.HOSTED_BY: "Hosts", RelationKind.PART_OF: "Contains",
}


class ImportState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"
