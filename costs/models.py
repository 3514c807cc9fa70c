"""The cost rates of the desk, set by admins: what an hour of a team's agents costs, what a contact costs by its
channel, and a fixed cost per ticket; in the currency of COSTS_CURRENCY. A rate may hold from and/or until a date
(both optional): the rate of a contact is the one valid on the day it was opened, the latest starting one first.

costs.report prices the contacts (incidents) with them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from incidents.choices import Channel


class RateKind(models.TextChoices):
    TEAM_HOUR = "team_hour", "Per agent hour (team)"
    CHANNEL = "channel", "Per contact (channel)"
    TICKET = "ticket", "Fixed per ticket"


class CostRate(models.Model):
    """One rate: per agent hour of a team (no team: every team without its own rate), per contact of a channel, or
    fixed per ticket; valid from / until a date when given."""

    kind = models.CharField(max_length=16, choices=RateKind.choices)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             help_text="Per agent hour: the team (empty: the teams without a rate of their own).")
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True,
                               help_text="Per contact: the channel it came through.")
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text="Included.")

    class Meta:
        ordering = ["kind", "team__name", "channel", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_rate_amount_positive"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_until__gte=F("valid_from")), name="cost_rate_dates_in_order"),
            models.CheckConstraint(condition=~Q(kind="channel") | ~Q(channel=""), name="cost_rate_channel_named"),
        ]
        indexes = [models.Index(fields=["kind", "team", "channel"], name="cost_rate_lookup")]

    def __str__(self) -> str:
        what = self.team.name if self.team is not None else self.get_channel_display() if self.channel else "all"
        return f"{self.get_kind_display()} {what}: {self.amount}"

    def clean(self) -> None:
        if self.kind == RateKind.CHANNEL and not self.channel:
            raise ValidationError({"channel": "Choose the channel this rate is for."})
        if self.kind != RateKind.CHANNEL and self.channel:
            raise ValidationError({"channel": "Only a per-contact rate has a channel."})
        if self.kind != RateKind.TEAM_HOUR and self.team_id:
            raise ValidationError({"team": "Only a per-hour rate has a team."})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "The end date must not be before the start date."})
