"""Incidents: an unplanned interruption or reduction in quality of a service, restored as fast as possible."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.limits import long_text
from core.models import Ticket
from incidents.choices import Channel, HoldReason, ResolutionCode


class Category(models.Model):
    """An admin-configurable category; a category with a parent is a subcategory of it."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="category_unique_top"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


def check_top_level(category: Category | None, current_id: int | None) -> None:
    """A problem or a knowledge article is filed under an active top-level category (a retired one it already has
    may stay): ValidationError on `category` otherwise."""
    from django.core.exceptions import ValidationError

    if category is not None and (category.parent_id is not None or not category.active) \
            and category.pk != current_id:
        raise ValidationError({"category": ["Choose an active top-level category."]})


class AssignmentRule(models.Model):
    """At creation, an incident matching the category and/or service goes to `team` (lowest order wins)."""

    order = models.PositiveIntegerField(default=100)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.CASCADE)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(service__isnull=False), name="assignment_rule_has_condition"
            )
        ]

    def __str__(self) -> str:
        parts = [
            f"category {self.category}" if self.category_id else "",
            f"service {self.service}" if self.service_id else "",
        ]
        return f"{' and '.join(p for p in parts if p)} -> {self.team}"


class Incident(Ticket):
    """An incident (number INC...), extending the shared Ticket row."""

    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subcategory = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hold_reason = models.CharField(max_length=32, choices=HoldReason.choices, blank=True)
    resolution_code = models.CharField(max_length=32, choices=ResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(**long_text(blank=True))
    major = models.BooleanField(default=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["category"], name="incident_category"),
            models.Index(fields=["parent"], name="incident_parent", condition=Q(parent__isnull=False)),
        ]

    def get_state_display(self) -> str:
        from incidents.choices import WORKFLOW

        return WORKFLOW.label(self.state)
