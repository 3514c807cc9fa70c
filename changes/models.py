"""Changes: an addition, modification or removal of anything that could affect the services, planned, assessed,
authorised, scheduled in a window, implemented and reviewed.

A standard change is pre-approved and goes straight to scheduled; a normal change is authorised before it may be
scheduled; an emergency change takes the same path, faster, and is always reviewed afterwards. The authorisation
is recorded on the change (`authorized_at`, `authorized_by`); a rejection sends it back to assess (core journal).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from changes.choices import ChangeType, Outcome, Risk, TaskType
from core.limits import long_text
from core.models import ApprovalRule, Ticket


class Change(Ticket):
    """A change (number CHG...), extending the shared Ticket row."""

    change_type = models.CharField("type", max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.MODERATE)
    change_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    justification = models.TextField(**long_text(blank=True))
    implementation_plan = models.TextField(**long_text(blank=True))
    backout_plan = models.TextField(**long_text(blank=True))
    test_plan = models.TextField(**long_text(blank=True))
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    authorized_at = models.DateTimeField(null=True, blank=True)
    authorized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    close_notes = models.TextField(**long_text(blank=True))
    review_notes = models.TextField("post-implementation review", **long_text(blank=True))
    other_services = models.ManyToManyField("catalog.Service", blank=True, related_name="+",
                                            verbose_name="also affects",
                                            help_text="Services the change affects besides its own (`service`).")
    # the risk questionnaire's result (changes.risk); `risk` differs from it only by a journaled override
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_computed = models.CharField("risk from the questionnaire", max_length=16, choices=Risk.choices, blank=True)
    risk_override_reason = models.TextField(**long_text(blank=True))
    # not `release`: core.Ticket's own `release` is its row of the Release table
    shipped_in = models.ForeignKey("changes.Release", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="changes", verbose_name="release",
                                   help_text="The release that ships it (changes.Release).")

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["planned_start"], name="change_planned_start",
                                condition=Q(planned_start__isnull=False))]
        constraints = [models.CheckConstraint(
            condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True) | Q(planned_end__gt=models.F(
                "planned_start")), name="change_window_ends_after_it_starts")]

    def get_state_display(self) -> str:
        from changes.choices import WORKFLOW

        return WORKFLOW.label(self.state)


class BlackoutWindow(models.Model):
    """A change freeze: no change may be scheduled in it (emergency changes excepted), for every service or one."""

    name = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text="Empty: the freeze applies to every service.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="blackout_ends_after_it_starts")]

    def __str__(self) -> str:
        return self.name


class StandardChangeTemplate(models.Model):
    """A pre-approved standard change (admin-managed): raising a change from it copies its text, plans, service
    and risk; the change is standard, so it goes straight to scheduled once its window is planned."""

    name = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(**long_text(blank=True))
    implementation_plan = models.TextField(**long_text())
    backout_plan = models.TextField(**long_text())
    test_plan = models.TextField(**long_text())
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.LOW)
    active = models.BooleanField(default=True, help_text="Retired templates are no longer offered.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def change_data(self) -> dict[str, object]:
        """The fields of a change raised from this template."""
        return {"title": self.title, "description": self.description, "change_type": ChangeType.STANDARD,
                "risk": self.risk, "service": self.service_id, "implementation_plan": self.implementation_plan,
                "backout_plan": self.backout_plan, "test_plan": self.test_plan}


class MaintenanceWindow(models.Model):
    """When a service may be changed: a weekly period in a time zone (a change planned outside every window of its
    service is flagged; a service without windows may be changed at any time). `ends` before `starts` runs over
    midnight into the next day."""

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
                (6, "Sunday")]

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts = models.TimeField()
    ends = models.TimeField()
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)

    class Meta:
        ordering = ["service", "weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M} ({self.time_zone})"


class ApprovalPolicy(models.Model):
    """Who authorises a change of a type (and risk): an approver group (core.ApproverGroup) under a rule, before
    the change manager's final say. The most specific policy applies: the type and the change's risk, else the
    type with any risk. No group: the change manager decides alone, except for a high or very high risk change,
    which always needs a group's approval (the policy of a normal change of its risk)."""

    change_type = models.CharField("type", max_length=16, choices=ChangeType.choices)
    risk = models.CharField(max_length=16, choices=Risk.choices, blank=True, help_text="Empty: any risk.")
    group = models.ForeignKey("core.ApproverGroup", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty: the change manager decides alone.")
    rule = models.CharField(max_length=16, choices=ApprovalRule.choices, default=ApprovalRule.ANY)
    required = models.PositiveSmallIntegerField(default=1, help_text="With “a number of the approvers”: how many.")

    class Meta:
        ordering = ["change_type", "risk"]
        verbose_name_plural = "approval policies"
        constraints = [models.UniqueConstraint(fields=["change_type", "risk"], name="approval_policy_unique")]

    def __str__(self) -> str:
        risk = Risk(self.risk).label.lower() if self.risk else "any"
        return f"{ChangeType(self.change_type).label} change, {risk} risk"


class RiskQuestion(models.Model):
    """A question of the risk questionnaire (admin-edited), answered on the change page: each answer weighs on
    the change's risk score (changes.risk)."""

    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Retired questions are no longer asked.")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class RiskAnswer(models.Model):
    """One answer to a risk question, with its weight (0: no risk added)."""

    question = models.ForeignKey(RiskQuestion, on_delete=models.CASCADE, related_name="answers")
    text = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return f"{self.text} ({self.weight})"


class ChangeRiskAnswer(models.Model):
    """The answer a change gave to a risk question (the latest questionnaire: answering again replaces it)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="risk_answers")
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="+")
    answer = models.ForeignKey(RiskAnswer, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [models.UniqueConstraint(fields=["change", "question"], name="change_risk_answer_unique")]

    def __str__(self) -> str:
        return f"change {self.change_id}: answer {self.answer_id} to question {self.question_id}"


class ChangeTask(Ticket):
    """A task of a change (number CTASK...): one step of its implementation, testing or review, in order, with its
    own team, assignee and state. A change cannot close while one of its tasks is open."""

    # not `change`: core.Ticket's own `change` is its row of the Change table
    parent_change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="tasks", verbose_name="change")
    order = models.PositiveSmallIntegerField(default=0)
    task_type = models.CharField("type", max_length=16, choices=TaskType.choices, default=TaskType.IMPLEMENTATION)
    close_notes = models.TextField(**long_text(blank=True))

    class Meta:
        ordering = ["parent_change_id", "order", "ticket_ptr_id"]
        indexes = [models.Index(fields=["parent_change", "order"], name="change_task_order")]

    def get_state_display(self) -> str:
        from changes.choices import TASK_WORKFLOW

        return TASK_WORKFLOW.label(self.state)


class TemplateTask(models.Model):
    """A task every change raised from a standard change template gets, in order."""

    template = models.ForeignKey(StandardChangeTemplate, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    task_type = models.CharField("type", max_length=16, choices=TaskType.choices, default=TaskType.IMPLEMENTATION)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="Empty: the change's team.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A secret address of the change calendar (iCalendar) for one member of the desk, with the calendar's
    filters: Outlook or Google Calendar subscribe to it. Only a hash of its token is kept; the address is shown
    once, when it is made, and revoking it deletes the row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    name = models.CharField(max_length=120)
    token_hash = models.CharField(max_length=64, unique=True)
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Release(Ticket):
    """A release (number RLS...): changes shipped together under a version, planned, built, tested and deployed.
    It cannot be done while one of its changes is not closed successfully."""

    release_version = models.CharField("version", max_length=60, blank=True, help_text="e.g. 2027.1 or “Spring”.")
    planned_deployment = models.DateTimeField(null=True, blank=True)
    actual_deployment = models.DateTimeField(null=True, blank=True)
    release_notes = models.TextField(**long_text(blank=True))

    class Meta:
        ordering = ["-opened_at"]

    def get_state_display(self) -> str:
        from changes.choices import RELEASE_WORKFLOW

        return RELEASE_WORKFLOW.label(self.state)
