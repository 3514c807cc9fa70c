"""Forms of the incident pages: the portal's report and reply forms, and the agent workspace's forms.

Forms only validate and present input; every write goes through incidents.services (or core.writes), whose
ValidationError / TransitionError field dicts are put back on the form with `core.ticket_forms.add_service_errors`.
The forms every kind shares (comments, watchers, links, files, the fields panel's base) are in core.ticket_forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Team, User
from accounts.roles import can
from catalog.models import Service
from core import reference_cache
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, Ticket, Urgency
from core.ticket_forms import (
    AGENT_ROLES,
    TicketFieldsForm,
    attachments_field,
    offer_reference,
    scope_assignee,
)
from core.widgets import FastSelect
from incidents.choices import URGENCY_PLAIN, Channel, HoldReason, ResolutionCode, State
from incidents.models import Category, Incident


class SubcategorySelect(FastSelect):
    """Options carry `data-parent` (their category's id) so the page script can narrow them to the category."""

    def __init__(self, *args: Any, parents: Mapping[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parents = dict(parents or {})

    def option_extra(self, value: str) -> str:
        parent = self.parents.get(value)
        return f' data-parent="{int(parent)}"' if parent is not None else ""




def offer_subcategories(field: forms.Field, current_pk: int | None) -> None:
    """The subcategory select of the agent forms: the active subcategories (and the current one), each option
    with its category (`data-parent`) so that the page script narrows them to the chosen category; from this
    process's copy (core.reference_cache)."""
    offer_reference(field, Category.objects.filter(parent__isnull=False).select_related("parent"), current_pk,
                    "incident:subcategory")
    parents = reference_cache.choices(Category, "incident:subcategory-parents", lambda: [
        (str(pk), parent) for pk, parent in Category.objects.filter(parent__isnull=False)
        .values_list("pk", "parent_id")])
    field.widget = SubcategorySelect(parents=dict(parents))
    field.widget.choices = field.choices  # type: ignore[attr-defined]


# --- Portal ---------------------------------------------------------------------------------------------


class ReportIncidentForm(forms.Form):
    """The end user's "Report an issue" form: plain words, nothing the desk decides."""

    title = forms.CharField(
        label="What is the problem, in a few words?", max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="For example: “Cannot print to the 2nd floor printer”.",
    )
    description = forms.CharField(
        label="Tell us more", widget=forms.Textarea(attrs={"rows": 5}), max_length=TEXT_MAX_LENGTH,
        help_text="What were you doing, what did you expect, what happened instead? Any error message?",
    )
    urgency = forms.TypedChoiceField(
        label="How much does it affect your work?", choices=URGENCY_PLAIN, coerce=int, initial=3,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    service = forms.ModelChoiceField(
        label="Which service is affected?", queryset=Service.objects.none(), empty_label="Choose a service",
    )
    category = forms.ModelChoiceField(
        label="What kind of problem is it?", queryset=Category.objects.none(), required=False,
        empty_label="I don't know",
    )
    attachments = attachments_field("Screenshots or files")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(active=True)
        self.fields["category"].queryset = Category.objects.filter(active=True, parent__isnull=True)

    def service_data(self) -> dict[str, Any]:
        """What create_incident receives (the attachments go separately, as uploads)."""
        data = {k: self.cleaned_data[k] for k in ("title", "description", "urgency", "service")}
        if self.cleaned_data.get("category"):
            data["category"] = self.cleaned_data["category"]
        return data


class PortalReplyForm(forms.Form):
    """A public reply and/or files from the requester's side."""

    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           max_length=TEXT_MAX_LENGTH)
    attachments = attachments_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            raise ValidationError("Write a reply or choose a file to attach.")
        return cleaned


class PortalTransitionForm(forms.Form):
    """Reopen, confirm or withdraw (the service decides whether the requester may)."""

    state = forms.ChoiceField(choices=[(State.IN_PROGRESS, "Reopen"), (State.CLOSED, "Confirm"),
                                       (State.CANCELLED, "Withdraw")])
    comment = forms.CharField(
        label="What is still wrong? (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
    )


class WithdrawForm(forms.Form):
    """The confirmation step of withdrawing a ticket: an optional reason, sent to the desk as a reply."""

    reason = forms.CharField(
        label="Why do you withdraw it? (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: “It works again after a restart”. The desk will read it.",
    )


# --- Agent workspace ------------------------------------------------------------------------------------


class AgentIncidentForm(TicketFieldsForm):
    """The fields an agent edits on the incident page (the major flag only for who may flag a major incident)."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  max_length=TEXT_MAX_LENGTH)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="—")
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="—")
    subcategory = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="—")
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="—", widget=FastSelect,
                                  label="Assignment group")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assigned to",
                                      widget=FastSelect)
    channel = forms.ChoiceField(choices=Channel.choices)
    parent = forms.CharField(
        required=False, max_length=16, label="Parent incident",
        widget=forms.TextInput(attrs={"placeholder": "INC…", "autocomplete": "off"}),
    )
    major = forms.BooleanField(required=False, label="Major incident")

    LAYOUT = [
        ("title", "col-12"), ("description", "col-12"),
        ("service", "col-sm-6"), ("category", "col-sm-6"), ("subcategory", "col-sm-6"),
        ("impact", "col-sm-6"), ("urgency", "col-sm-6"), ("channel", "col-sm-6"),
        ("team", "col-sm-6"), ("assignee", "col-sm-6"), ("parent", "col-sm-6"),
        ("major", "col-12"),
    ]

    def setup(self) -> None:
        incident = self.ticket
        self.incident = incident
        # the reference selects offer this process's copy of the active rows (core.reference_cache)
        offer_reference(self.fields["service"], Service.objects.all(), incident.service_id, "incident:service")
        offer_reference(self.fields["category"], Category.objects.filter(parent__isnull=True), incident.category_id,
                        "incident:category")
        offer_subcategories(self.fields["subcategory"], incident.subcategory_id)
        offer_reference(self.fields["team"], Team.objects.all(), incident.team_id, "teams", active_only=False)
        self.fields["assignee"].queryset = User.objects.filter(role__in=AGENT_ROLES)
        scope_assignee(self, team=incident.team_id, current=incident.assignee)  # e.g. deactivated: kept
        if not can(self.user, "incidents.flag_major"):
            del self.fields["major"]

    @classmethod
    def initial_for(cls, ticket: Ticket) -> dict[str, Any]:
        initial = super().initial_for(ticket)
        initial["parent"] = ticket.parent.number if ticket.parent_id else ""
        return initial

    def clean_parent(self) -> Incident | None:
        number = (self.cleaned_data.get("parent") or "").strip().upper()
        if not number:
            return None
        if self.incident.parent_id and number == self.incident.parent.number:
            return self.incident.parent  # kept as it is, even by an agent who cannot open it
        parent = Incident.objects.visible_to(self.user).filter(number=number).first()
        if parent is None:
            raise ValidationError(f"No incident {number} that you can see.")
        if parent.pk == self.incident.pk:
            raise ValidationError("An incident cannot be its own parent.")
        return parent

    def display(self, name: str, ticket: Ticket) -> str:
        if name == "parent":
            return ticket.parent.number if ticket.parent_id else "(none)"
        return super().display(name, ticket)


class TransitionForm(forms.Form):
    """A quick action on the ticket header: the target state and what it needs."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    state = forms.ChoiceField(choices=State.choices)
    hold_reason = forms.ChoiceField(choices=[("", "Choose a reason"), *HoldReason.choices], required=False,
                                    label="Reason")
    resolution_code = forms.ChoiceField(choices=[("", "Choose a code"), *ResolutionCode.choices], required=False,
                                        label="Resolution code")
    resolution_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       label="Resolution notes", max_length=TEXT_MAX_LENGTH)
    solved_by = forms.CharField(required=False, max_length=20, label="Solved by article (optional)",
                                widget=forms.TextInput(attrs={"placeholder": "e.g. KB0001001", "autocomplete": "off",
                                                              "data-solved-by": ""}))

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"hold_reason": d.get("hold_reason") or "", "resolution_code": d.get("resolution_code") or "",
                "resolution_notes": d.get("resolution_notes") or ""}
