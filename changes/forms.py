"""The forms of the change pages (the desk only): its fields panel and quick actions on the generic ticket page,
and the authorisation decision. Who may set what is core.writes' decision."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User
from accounts.roles import Role
from changes.choices import ChangeType, Outcome, Risk, State
from core.form_fields import PersonField
from core.limits import TITLE_MAX_LENGTH
from core.ticket_forms import AGENT_ROLES, SERVICE, TriageFieldsForm, long_text, offer_reference
from core.widgets import FastSelect


def instant(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class ChangeFields(forms.Form):
    """What a change says beyond the triage: its type and risk, why, the plans and the planned window."""

    change_type = forms.ChoiceField(choices=ChangeType.choices, label="Type", initial=ChangeType.NORMAL,
                                    widget=FastSelect)
    risk = forms.ChoiceField(choices=Risk.choices, initial=Risk.MODERATE, widget=FastSelect)
    justification = long_text("Justification", rows=3)
    implementation_plan = long_text("Implementation plan")
    backout_plan = long_text("Backout plan", rows=3)
    test_plan = long_text("Test plan", rows=3)
    planned_start = instant("Planned start")
    planned_end = instant("Planned end")


class ChangeForm(TriageFieldsForm, ChangeFields):
    """The change's fields on its page: what and why, the plans, the window, then the triage."""

    change_manager = PersonField(User.objects.none(), required=False, label="Change manager", widget=FastSelect)
    actual_start = instant("Actual start")
    actual_end = instant("Actual end")

    LAYOUT = [
        ("title", "col-12"), ("description", "col-12"), ("change_type", "col-sm-6"), ("risk", "col-sm-6"),
        ("justification", "col-12"), ("implementation_plan", "col-12"), ("backout_plan", "col-12"),
        ("test_plan", "col-12"), ("planned_start", "col-sm-6"), ("planned_end", "col-sm-6"),
        ("actual_start", "col-sm-6"), ("actual_end", "col-sm-6"), ("service", "col-sm-6"), ("impact", "col-sm-6"),
        ("urgency", "col-sm-6"), ("team", "col-sm-6"), ("assignee", "col-sm-6"), ("change_manager", "col-sm-6"),
    ]

    def setup(self) -> None:
        super().setup()
        if getattr(self.ticket, "risk_computed", ""):  # set by the questionnaire: overridden with a reason only
            self.fields["risk"].disabled = True
            self.fields["risk"].help_text = "From the risk questionnaire: the change manager may override it."
        manager = self.fields["change_manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = User.objects.filter(role__in=AGENT_ROLES, is_active=True)
        # offered: the desk's managers (tens), and whoever holds the role on this change
        current = self.ticket.change_manager  # type: ignore[attr-defined]
        people = list(User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN], is_active=True)
                      .order_by("first_name", "last_name", "username")[:200])
        if current is not None and current not in people:
            people.append(current)
        manager.choices = [("", "Nobody yet"), *((str(p.pk), p.display_name) for p in people)]


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=State.choices)
    outcome = forms.ChoiceField(choices=[("", "Choose an outcome"), *Outcome.choices], required=False)
    close_notes = long_text("Close notes", rows=3)
    review_notes = long_text("Post-implementation review (failed, backed-out and emergency changes)", rows=3)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DecisionForm(forms.Form):
    """The change manager's authorisation: approve, or reject with a reason."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = long_text("Comment (a rejection says why)", rows=2)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NewChangeForm(ChangeFields):
    """Raising a change: what and why, its type and risk, the service, the plans and the window (all but the
    title can come later, before the assessment); a standard change template fills them in."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = long_text("Description")
    service = forms.ModelChoiceField(SERVICE._default_manager.none(), required=False, widget=FastSelect,
                                     help_text="What it changes: other changes on it in the same window are flagged.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the active services, from this process's copy (core.reference_cache), as the change page offers them
        offer_reference(self.fields["service"], SERVICE._default_manager.all(), None, "change:service")

    LAYOUT = [("title", "col-12"), ("description", "col-12"), ("change_type", "col-sm-6"), ("risk", "col-sm-6"),
              ("service", "col-sm-6"),
              ("justification", "col-12"), ("implementation_plan", "col-12"), ("backout_plan", "col-12"),
              ("test_plan", "col-12"), ("planned_start", "col-sm-6"), ("planned_end", "col-sm-6")]

    def layout(self) -> list[tuple[forms.BoundField, str]]:
        return [(self[name], css) for name, css in self.LAYOUT]


class RiskForm(forms.Form):
    """The risk questionnaire: one choice per active question (changes.risk)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, questions: list[Any], chosen: dict[int, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text, help_text=question.help_text, coerce=int, widget=forms.RadioSelect,
                choices=[(answer.pk, answer.text) for answer in question.answers.all()],
                initial=(chosen or {}).get(question.pk),
                error_messages={"required": "Choose an answer."})

    def answers(self) -> dict[int, int]:
        return {question.pk: self.cleaned_data[f"q{question.pk}"] for question in self.questions}


class RiskOverrideForm(forms.Form):
    """The change manager's override of the questionnaire's risk, with the reason (journaled)."""

    risk = forms.ChoiceField(choices=Risk.choices, widget=FastSelect, label="Risk")
    reason = long_text("Why", rows=2)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].error_messages["required"] = "Say why the risk differs from the questionnaire's."


class OtherServicesForm(forms.Form):
    """The services a change affects besides its own."""

    other_services = forms.ModelMultipleChoiceField(queryset=SERVICE._default_manager.filter(active=True).order_by(
        "name"), required=False, label="Also affects", widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (or ⌘) to choose several.")
