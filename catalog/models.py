"""The service catalog. Its first model: the business and technical services tickets are raised against."""

from __future__ import annotations

from django.db import models

from core.limits import long_text


class Criticality(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Service(models.Model):
    """A service the desk supports (e-mail, VPN, payroll...), with its owning team and its support team."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(**long_text(blank=True))
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_services"
    )
    support_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="supported_services",
        help_text="New incidents on this service go to this team unless an assignment rule says otherwise.",
    )
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.MEDIUM)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
