"""Satisfaction surveys: the settings admins edit, CSAT invitations and answers (one per resolved ticket), and NPS
rounds with their invitations (the answer is on the invitation).

Invitations are rows, so survey fatigue (a person invited within N days) and response rates are plain SQL."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

COMMENT_MAX_LENGTH = 4000


def default_kinds() -> list[str]:
    return ["incident", "request"]


class SurveySettings(models.Model):
    """The one row of survey settings (`SurveySettings.current()`), edited in the Django admin."""

    csat_enabled = models.BooleanField("CSAT surveys on", default=True)
    csat_kinds = ArrayField(models.CharField(max_length=16), default=default_kinds, blank=True,
                            verbose_name="Kinds surveyed",
                            help_text="Ticket kinds whose requester is surveyed when they are resolved "
                                      "(incident, request).")
    csat_services = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="+", verbose_name="Services surveyed",
        help_text="Only tickets of these services are surveyed; none chosen: every service (and none).")
    min_interval_days = models.PositiveSmallIntegerField(
        "Minimum interval per person (days)", default=7,
        help_text="A person surveyed within this many days gets no new invitation (no survey fatigue).")
    low_score_threshold = models.PositiveSmallIntegerField(
        "Low score threshold", default=2, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="A score at or below it notifies the lead of the ticket's team.")
    link_days = models.PositiveSmallIntegerField(
        "Links work for (days)", default=30, validators=[MinValueValidator(1)],
        help_text="How long a survey link in an e-mail works (once).")
    nps_enabled = models.BooleanField("NPS surveys on", default=True)
    nps_period_days = models.PositiveSmallIntegerField(
        "NPS period (days)", default=90, validators=[MinValueValidator(1)],
        help_text="A new NPS round starts when the last one is this old.")
    nps_sample_size = models.PositiveIntegerField(
        "NPS sample size", default=50, help_text="How many active end users each round asks (at most).")
    nps_sample_percent = models.PositiveSmallIntegerField(
        "NPS sample (% of end users)", null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text="When set, each round asks this share of the active end users instead (up to the sample size).")

    class Meta:
        verbose_name = "survey settings"
        verbose_name_plural = "survey settings"

    def __str__(self) -> str:
        return "Survey settings"

    @classmethod
    def current(cls) -> SurveySettings:
        """The settings row (created with the defaults the first time)."""
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class CsatInvitation(models.Model):
    """The requester of a resolved ticket asked how satisfied they are (once per ticket). `link_used_at`: the
    e-mail's signed link was used (it works once)."""

    ticket = models.OneToOneField("core.Ticket", on_delete=models.CASCADE, related_name="csat_invitation")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="csat_invitations")
    invited_at = models.DateTimeField()
    link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "invited_at"], name="csat_inv_person_time"),
                   models.Index(fields=["invited_at"], name="csat_inv_time")]

    def __str__(self) -> str:
        return f"CSAT invitation {self.pk}"


class CsatAnswer(models.Model):
    """The requester's satisfaction with a resolved ticket (1-5, an optional comment); answering again replaces
    it (`revision` counts the answers)."""

    ticket = models.OneToOneField("core.Ticket", on_delete=models.CASCADE, related_name="csat_answer")
    invitation = models.OneToOneField(CsatInvitation, on_delete=models.CASCADE, related_name="answer")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="csat_answers")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    reopen_requested = models.BooleanField(default=False)
    answered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="csat_score_1_5")]
        indexes = [models.Index(fields=["answered_at"], name="csat_answer_time"),
                   models.Index(fields=["score", "answered_at"], name="csat_answer_score_time")]

    def __str__(self) -> str:
        return f"{self.score}/5"


class NpsRound(models.Model):
    """One period of the Net Promoter Score survey: a sample of active end users asked once."""

    starts_on = models.DateField(unique=True)
    ends_on = models.DateField(help_text="The last day of the period.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d} to {self.ends_on:%Y-%m-%d}"


class NpsInvitation(models.Model):
    """A person asked in one round, and their answer (0-10, a comment) once given. The organization and the
    service of their latest ticket are kept as they were when asked: NPS per organization and service is SQL."""

    round = models.ForeignKey(NpsRound, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nps_invitations")
    organization = models.ForeignKey("accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField()
    link_used_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="nps_one_invitation_per_round"),
                       models.CheckConstraint(condition=models.Q(score__isnull=True) | models.Q(score__lte=10),
                                              name="nps_score_0_10")]
        indexes = [models.Index(fields=["answered_at"], name="nps_answer_time")]

    def __str__(self) -> str:
        return f"NPS invitation {self.pk}"
