"""Configuration management: classes of configuration items (CIs) with typed attributes, the CIs, the directed
relationships between them (a graph impact analysis walks: cmdb.impact), the CIs a ticket affects, and each CI's
history (every change journaled, as tickets are)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import TypedField, VariableType
from cmdb.choices import CIStatus, Environment, ImportState, RelationKind

ATTRIBUTE_TYPES = [(value, label) for value, label in VariableType.choices
                   if value in ("text", "textarea", "number", "date", "boolean", "choice")]


class CIClass(models.Model):
    """A class of configuration items (server, virtual machine, application, database, network device, business
    service...), admin-defined, with the attributes its CIs record."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_service = models.BooleanField(default=False, help_text="Its CIs are business services (impact lists them).")

    class Meta:
        ordering = ["name"]
        verbose_name = "CI class"
        verbose_name_plural = "CI classes"

    def __str__(self) -> str:
        return self.name


class ClassAttribute(TypedField):
    """An attribute the CIs of a class record (a typed field: text, number, date, yes/no, a choice), validated as
    the catalog's form fields are (catalog.variables.clean_value)."""

    ci_class = models.ForeignKey(CIClass, on_delete=models.CASCADE, related_name="attributes")
    var_type = models.CharField("type", max_length=20, choices=ATTRIBUTE_TYPES, default=VariableType.TEXT)

    class Meta:
        ordering = ["ci_class", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["ci_class", "name"], name="cmdb_attribute_name_unique")]


class ConfigurationItem(models.Model):
    """A configuration item: what it is (class, attributes), where (environment, location), its state, who owns
    and supports it, how it is identified (serial number, asset tag) and the services it supports. Its name is
    unique within its class (the natural key imports use)."""

    name = models.CharField(max_length=200)
    ci_class = models.ForeignKey(CIClass, on_delete=models.PROTECT, related_name="cis", verbose_name="class")
    status = models.CharField(max_length=16, choices=CIStatus.choices, default=CIStatus.IN_USE)
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.PRODUCTION)
    owner_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="owner team")
    support_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="support team")
    location = models.CharField(max_length=200, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    asset_tag = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    attributes = models.JSONField(default=dict, blank=True, help_text="Its class's attributes, by name.")
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="cis",
                                      help_text="The services it supports.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "configuration item"
        constraints = [models.UniqueConstraint(fields=["ci_class", "name"], name="cmdb_ci_name_unique")]
        indexes = [models.Index(fields=["name"], name="cmdb_ci_name"),
                   models.Index(fields=["updated_at"], name="cmdb_ci_updated")]

    def __str__(self) -> str:
        return self.name


class Relationship(models.Model):
    """A directed relationship: `source` runs on / depends on / connects to / is hosted by / is part of `target`
    (the source depends on the target)."""

    source = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=RelationKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["source", "kind", "target"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="cmdb_relationship_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="cmdb_relationship_not_self"),
        ]
        # impact walks both ways: by source (the unique constraint's index), by target (what depends on it)
        indexes = [models.Index(fields=["target", "source"], name="cmdb_rel_target")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class CIChange(models.Model):
    """One line of a CI's history: a field's change (old and new value, in words), a relationship added or
    removed, or its creation; who and when."""

    ci = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=60)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ci", "created_at"], name="cmdb_change_ci_time")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value}"


class AffectedCI(models.Model):
    """A CI a ticket (an incident, a problem, a change) affects."""

    ticket = models.ForeignKey("core.Ticket", on_delete=models.CASCADE, related_name="affected_cis")
    ci = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="tickets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "ci"], name="cmdb_affected_once")]
        indexes = [models.Index(fields=["ci", "ticket"], name="cmdb_affected_ci")]

    def __str__(self) -> str:
        return f"{self.ticket_id} affects {self.ci_id}"


class CIImport(models.Model):
    """A confirmed CSV import, written by a Celery worker (cmdb.tasks.apply_import) rather than in the request: the
    file's text until it is applied, who asked, whether only the valid rows are wanted, and the outcome (counts,
    the first problems and the first CIs written). Progress while it runs is kept in the cache (cmdb.import_jobs)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200)
    text = models.TextField(blank=True, help_text="The file's text, emptied once it is applied.")
    valid_only = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Rows and relationships in the file.")
    counts = models.JSONField(default=dict, blank=True)
    relationship_counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="The first problems: [where, message].")
    written = models.JSONField(default=list, blank=True,
                               help_text="The first CIs created or updated: [class, name, id, outcome].")
    problem_total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True, help_text="Why it failed, in words.")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="cmdb_import_waiting",
                                condition=Q(state="queued"))]

    def __str__(self) -> str:
        return self.file_name
