"""The agent's "New incident" form: a ticket logged on behalf of a caller picked with the people search.

The caller is chosen by id among the people the agent may pick (core.people), never by a typed address: the
search box asks the people search on demand (htmx), and without JavaScript the "Find" button shows the people
found in the same form. Everything else is what the API's create takes; incidents.services.create_incident
decides (routing, team membership of the assignee, the caller being active).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import Team, User
from catalog.models import Service
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, Urgency, user_team_ids
from core.people import pickable_people, search_people
from core.ticket_forms import AGENT_ROLES, attachments_field, offer_reference, scope_assignee
from core.widgets import FastSelect
from incidents.choices import Channel
from incidents.forms import offer_subcategories
from incidents.models import Category

CALLER_TARGET = "caller-people"


class AgentCreateIncidentForm(forms.Form):
    """Log an incident for a caller (requester), with the fields an agent sets when taking a call."""

    q = forms.CharField(
        label="Search for the caller", max_length=200, required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, username or e-mail",
                                      "autocomplete": "off"}),
        help_text="Type part of the caller's name, username or e-mail address, then choose them in the list.",
    )
    requester = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 6}),
                                  max_length=TEXT_MAX_LENGTH)
    service = forms.ModelChoiceField(label="Service", queryset=Service.objects.none(), required=False,
                                     empty_label="—")
    category = forms.ModelChoiceField(label="Category", queryset=Category.objects.none(), required=False,
                                      empty_label="—")
    subcategory = forms.ModelChoiceField(label="Subcategory", queryset=Category.objects.none(), required=False,
                                         empty_label="—")
    impact = forms.TypedChoiceField(label="Impact", choices=Impact.choices, coerce=int, initial=3)
    urgency = forms.TypedChoiceField(label="Urgency", choices=Urgency.choices, coerce=int, initial=3)
    channel = forms.ChoiceField(label="Channel", choices=Channel.choices, initial=Channel.PHONE)
    team = forms.ModelChoiceField(label="Assignment group", queryset=Team.objects.all(), required=False,
                                  empty_label="Route automatically", widget=FastSelect)
    assignee = forms.ModelChoiceField(label="Assigned to", queryset=User.objects.none(), required=False,
                                      widget=FastSelect)
    attachments = attachments_field()

    def __init__(self, *args: Any, actor: User, searching: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.searching = actor, searching
        self.fields["q"].widget.attrs.update({
            "hx-get": f"{reverse('people-search')}?{urlencode({'name': 'requester'})}",
            "hx-trigger": "input changed delay:300ms, search", "hx-target": f"#{CALLER_TARGET}",
            "hx-swap": "innerHTML", "aria-controls": CALLER_TARGET, "data-search-on-enter": "",
        })
        # the active rows, from this process's copy (core.reference_cache), as the incident page offers them
        offer_reference(self.fields["service"], Service.objects.all(), None, "incident:service")
        offer_reference(self.fields["category"], Category.objects.filter(parent__isnull=True), None,
                        "incident:category")
        offer_subcategories(self.fields["subcategory"], None)
        self.fields["assignee"].queryset = User.objects.filter(role__in=AGENT_ROLES)
        scope_assignee(self, team=None, fallback_teams=user_team_ids(actor))

    def people(self) -> list[User]:
        """The people offered as callers: the one chosen (if any) first, then those the search words find."""
        chosen = self.chosen_caller()
        found = search_people(self.actor, self.data.get("q", "")) if self.is_bound else []
        return ([chosen] if chosen else []) + [p for p in found if not chosen or p.pk != chosen.pk]

    def chosen_caller(self) -> User | None:
        value = self.data.get("requester") if self.is_bound else None
        if not str(value or "").isdigit():
            return None
        return pickable_people(self.actor).filter(pk=int(value)).select_related("organization").first()

    def full_clean(self) -> None:
        if self.searching:  # "Find": show the people found, judge nothing yet
            self._errors, self.cleaned_data = forms.utils.ErrorDict(), {}
            return
        super().full_clean()

    def clean_requester(self) -> User:
        pk = self.cleaned_data.get("requester")
        if pk is None:
            if search_people(self.actor, self.data.get("q", "")):
                raise ValidationError("Choose the caller among the people found.")
            raise ValidationError("Search for the caller by name, username or e-mail, then choose them.")
        caller = pickable_people(self.actor).filter(pk=pk).first()
        if caller is None:
            raise ValidationError("Choose the caller among the people found.")
        return caller

    def service_data(self) -> dict[str, Any]:
        """What create_incident receives (the channel and the attachments go separately)."""
        names = ("requester", "title", "description", "service", "category", "subcategory", "impact", "urgency",
                 "team", "assignee")
        return {name: self.cleaned_data.get(name) for name in names}
