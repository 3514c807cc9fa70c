"""The release pages (the desk only): their queue, the release page (the generic ticket page with its changes),
and putting a change in a release or taking it out."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from changes import services
from changes.choices import ReleaseState
from changes.forms import instant
from changes.kind import CHANGE
from changes.models import Release
from changes.release_kind import RELEASE
from core import queue_page, writes
from core.permissions import permission_required
from core.queue_page import QueuePage
from core.templatetags.ui import stamp
from core.ticket_filters import TicketFilter
from core.ticket_forms import TriageFieldsForm, long_text
from core.ticket_page import TicketPage
from sla.filters import SlaFilters


class ReleaseFilter(SlaFilters, TicketFilter):
    number_prefix = "RLS"
    state = django_filters.MultipleChoiceFilter(choices=ReleaseState.choices, distinct=False)

    class Meta:
        model = Release
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "active", "q"]


class ReleaseFieldsForm(TriageFieldsForm):
    release_version = forms.CharField(max_length=60, required=False, label="Version")
    planned_deployment = instant("Planned deployment")
    actual_deployment = instant("Actual deployment")
    release_notes = long_text("Release notes")

    LAYOUT = [("title", "col-12"), ("release_version", "col-sm-6"), ("service", "col-sm-6"),
              ("description", "col-12"), ("planned_deployment", "col-sm-6"), ("actual_deployment", "col-sm-6"),
              ("release_notes", "col-12"), ("team", "col-sm-6"), ("assignee", "col-sm-6"), ("impact", "col-sm-6"),
              ("urgency", "col-sm-6")]


class NewReleaseForm(forms.Form):
    title = forms.CharField(max_length=200, label="Name")
    release_version = forms.CharField(max_length=60, required=False, label="Version")
    planned_deployment = instant("Planned deployment")
    description = long_text("Description", rows=3)


class ReleaseTransitionForm(forms.Form):
    state = forms.ChoiceField(choices=ReleaseState.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReleaseChangeForm(forms.Form):
    change = forms.CharField(max_length=20, label="Change number", widget=forms.TextInput(
        attrs={"placeholder": "e.g. CHG0001001"}))


class ReleaseQueue(QueuePage):
    kind = RELEASE
    filterset = ReleaseFilter
    transition_form = ReleaseTransitionForm
    queues = [queue_page.standard_queues(RELEASE)[slug] for slug in ("open", "mine", "my-teams", "recent")]
    default_queue = "open"
    filter_layout = [("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
                     ("team", "col-sm-6 col-lg-3", False), ("assignee", "col-sm-6 col-lg-3", False)]
    show_caller = False
    extra_columns = [("Planned deployment", lambda row: f'<td class="col-time">{stamp(row.planned_deployment)}</td>')]
    placeholder = "e.g. 2027.1, RLS0001001"
    new_url_name = "agent-release-new"
    links = [("Changes", "agent-changes")]


QUEUE = ReleaseQueue()


class ReleasePage(TicketPage):
    kind = RELEASE
    name = "agent-release"
    fields_form = ReleaseFieldsForm
    transition_form = ReleaseTransitionForm
    side_templates = ("changes/agent/_release_changes.html",)
    action_labels = {ReleaseState.BUILD: "Build", ReleaseState.TEST: "Test", ReleaseState.DEPLOY: "Deploy",
                     ReleaseState.DONE: "Done", ReleaseState.CANCELLED: "Cancel release"}
    confirm = {ReleaseState.CANCELLED: "Cancel {number}? A cancelled release cannot be reopened."}

    def extra_context(self, request: HttpRequest, release: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        changes = list(release.changes.order_by("planned_start", "ticket_ptr_id"))
        return {"release_changes": changes, "release_change_form": overrides.pop("release_change_form", None)
                or ReleaseChangeForm(),
                "successful": sum(1 for c in changes if c.state == "closed" and c.outcome in (
                    "successful", "successful_with_issues"))}


PAGE = ReleasePage()


def release_change(request: HttpRequest, number: str, write: Any, success: str) -> HttpResponse:
    release = PAGE.load(request, number)
    form = ReleaseChangeForm(request.POST)
    if form.is_valid():
        wanted = form.cleaned_data["change"].strip().upper()
        change = CHANGE.model.objects.visible_to(request.user).filter(number=wanted).first()
        if change is None:
            form.add_error("change", f"No change {wanted} that you can see.")
        else:
            try:
                write(release, change, request.user)
            except ValidationError as exc:
                form.add_error(None, writes.error_text(exc))
            else:
                messages.success(request, success.format(change=change.number, release=number))
                return redirect(reverse("agent-release", args=[number]) + "#release-changes")
    return PAGE.render_page(request, release, status=400, release_change_form=form)


@require_POST
@permission_required("tickets.work")
def add_change(request: HttpRequest, number: str) -> HttpResponse:
    """Put a change in the release."""
    return release_change(request, number, services.add_to_release, "{change} is in {release} now.")


@require_POST
@permission_required("tickets.work")
def remove_change(request: HttpRequest, number: str) -> HttpResponse:
    """Take a change out of the release."""
    return release_change(request, number, services.remove_from_release, "{change} was taken out of {release}.")


@permission_required("tickets.work")
def new_release(request: HttpRequest) -> HttpResponse:
    """Plan a release (the agent is its requester; its changes are added on its page)."""
    form = NewReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            release = RELEASE.action(writes.create)(RELEASE, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, writes.error_text(exc))
        else:
            messages.success(request, f"{release.number} planned: add its changes.")
            return redirect("agent-release", release.number)
    return render(request, "changes/agent/new_release.html", {"form": form, "kind": RELEASE},
                  status=400 if form.is_bound else 200)
