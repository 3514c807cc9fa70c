"""The forms of the problem pages (the desk only): its fields panel and resolve action on the generic ticket page,
and publishing the workaround. Who may set what is core.writes' decision."""

from __future__ import annotations

from django import forms

from accounts.models import User
from core.form_fields import PersonField
from core.ticket_forms import TriageFieldsForm, long_text, offer_reference
from core.widgets import FastSelect
from incidents.models import Category
from problems.choices import State


class ProblemForm(TriageFieldsForm):
    """The problem's fields on its page: the analysis (root cause, workaround, fix) first, then the triage."""

    description = long_text("Description (symptoms)")
    root_cause = long_text("Root cause")
    workaround = long_text("Workaround")
    fix = long_text("Permanent fix", rows=3)
    related_change = forms.CharField(max_length=100, required=False, label="Related change")
    category = forms.ModelChoiceField(Category.objects.none(), required=False, widget=FastSelect)
    assignee = PersonField(User.objects.none(), required=False, label="Problem manager / analyst", widget=FastSelect)

    LAYOUT = [
        ("title", "col-12"), ("description", "col-12"), ("root_cause", "col-12"), ("workaround", "col-12"),
        ("fix", "col-12"), ("related_change", "col-sm-6"), ("service", "col-sm-6"), ("category", "col-sm-6"),
        ("impact", "col-sm-6"), ("urgency", "col-sm-6"), ("team", "col-sm-6"), ("assignee", "col-sm-6"),
    ]

    def setup(self) -> None:
        super().setup()
        offer_reference(self.fields["category"], Category.objects.filter(parent__isnull=True),
                        self.ticket.category_id, "problem:category")  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=State.choices)
    fix = long_text("Permanent fix", rows=3)
    resolve_incidents = forms.BooleanField(required=False, initial=True,
                                           label="Also resolve its open incidents and tell their requesters")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PublishForm(forms.Form):
    public = forms.TypedChoiceField(
        choices=[("0", "As a work note on each incident (the desk only)"),
                 ("1", "As a comment the requesters read")],
        coerce=lambda value: value == "1", initial="0", label="Publish the workaround",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
