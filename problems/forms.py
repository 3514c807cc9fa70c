"""The forms of the problem pages (the desk only): its fields panel and resolve action on the generic ticket page,
and raising, linking and publishing. Who may set what is core.writes' decision."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Team, User
from core.form_fields import PersonField, TicketNumberField, TicketNumbersField
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, Urgency
from core.ticket_forms import AGENT_ROLES, TicketFieldsForm, offer_reference, scope_assignee
from core.widgets import FastSelect
from incidents.models import Category, Incident
from problems.choices import State
from problems.models import Problem

# catalog.Service, read off the ticket (problems need not import the catalog app)
Service = cast("type[models.Model]", Problem._meta.get_field("service").related_model)



def text_field(label: str, rows: int = 4) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=TEXT_MAX_LENGTH, strip=False,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ProblemForm(TicketFieldsForm):
    """The problem's fields on its page: the analysis (root cause, workaround, fix) first, then the triage."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = text_field("Description (symptoms)")
    root_cause = text_field("Root cause")
    workaround = text_field("Workaround")
    fix = text_field("Permanent fix", rows=3)
    related_change = forms.CharField(max_length=100, required=False, label="Related change")
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int, widget=FastSelect)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int, widget=FastSelect)
    service = forms.ModelChoiceField(Service._default_manager.none(), required=False, widget=FastSelect)
    category = forms.ModelChoiceField(Category.objects.none(), required=False, widget=FastSelect)
    team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, label="Assignment group",
                                  widget=FastSelect)
    assignee = PersonField(User.objects.none(), required=False, label="Problem manager / analyst", widget=FastSelect)

    LAYOUT = [
        ("title", "col-12"), ("description", "col-12"), ("root_cause", "col-12"), ("workaround", "col-12"),
        ("fix", "col-12"), ("related_change", "col-sm-6"), ("service", "col-sm-6"), ("category", "col-sm-6"),
        ("impact", "col-sm-6"), ("urgency", "col-sm-6"), ("team", "col-sm-6"), ("assignee", "col-sm-6"),
    ]

    def setup(self) -> None:
        problem: Any = self.ticket
        # the reference selects offer this process's copy of the active rows (core.reference_cache)
        offer_reference(self.fields["service"], Service._default_manager.all(), problem.service_id,
                        "problem:service")
        offer_reference(self.fields["category"], Category.objects.filter(parent__isnull=True), problem.category_id,
                        "problem:category")
        offer_reference(self.fields["team"], Team.objects.all(), problem.team_id, "teams", active_only=False)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = User.objects.filter(role__in=AGENT_ROLES)  # core.writes checks the team membership
        scope_assignee(self, team=problem.team_id, current=problem.assignee)


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=State.choices)
    fix = text_field("Permanent fix", rows=3)
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


class RaiseOrLinkForm(forms.Form):
    """From an incident page or the ticked rows of the incident queue: link to the open problem of that number
    (`mode` "link"), or raise one for them (`mode` "raise", any number typed is then ignored)."""

    mode = forms.ChoiceField(choices=[("raise", "Raise a problem"), ("link", "Link to a problem")], initial="raise",
                             required=False)
    problem = TicketNumberField(required=False, label="Problem number")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode") or ("link" if data.get("problem") else "raise")
        if mode == "link" and not data.get("problem") and "problem" not in self.errors:
            self.add_error("problem", "Type the number of the problem to link to.")
        data["problem"] = data.get("problem", "") if mode == "link" else ""
        return data


class QueueRaiseOrLinkForm(RaiseOrLinkForm):
    numbers = TicketNumbersField()


class LinkIncidentForm(forms.Form):
    """An incident to link to the problem, by number (one the agent may see)."""

    incident = TicketNumberField(label="Incident number")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_incident(self) -> Incident:
        from problems import services

        try:
            return services.visible_incidents(self.user, numbers=[self.cleaned_data["incident"]])[0]
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["incidents"]) from exc
