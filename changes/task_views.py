"""The change task pages (the desk only): their queue, the task page (the generic ticket page with its change),
and adding a task from the change page."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Team
from changes import services
from changes.choices import TaskState, TaskType
from changes.models import ChangeTask
from changes.task_kind import CHANGE_TASK
from core import queue_page, writes
from core.html import escape
from core.permissions import permission_required
from core.queue_page import QueuePage
from core.task_states import TASK_ACTION_LABELS
from core.ticket_filters import TicketFilter
from core.ticket_forms import TaskTransitionForm, TriageFieldsForm
from core.ticket_page import TicketPage
from core.widgets import FastSelect
from sla.filters import SlaFilters


class ChangeTaskFilter(SlaFilters, TicketFilter):
    """The change task filters of the queue and the API list."""

    number_prefix = "CTASK"
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices, distinct=False)
    task_type = django_filters.MultipleChoiceFilter(choices=TaskType.choices, distinct=False, label="Type")
    change = django_filters.CharFilter(field_name="parent_change__number", label="Change number")

    class Meta:
        model = ChangeTask
        fields = ["state", "task_type", "priority", "team", "assignee", "unassigned", "service", "active", "change",
                  "q"]


class TaskFieldsForm(TriageFieldsForm):
    """A task's fields on its page."""

    task_type = forms.ChoiceField(choices=TaskType.choices, label="Type", widget=FastSelect)
    order = forms.IntegerField(min_value=0, max_value=999, help_text="Its place among the change's tasks.")

    LAYOUT = [("title", "col-12"), ("description", "col-12"), ("task_type", "col-sm-6"), ("order", "col-sm-6"),
              ("team", "col-sm-6"), ("assignee", "col-sm-6"), ("service", "col-sm-6"), ("impact", "col-sm-6"),
              ("urgency", "col-sm-6")]



class NewTaskForm(forms.Form):
    """Adding a task from the change page: what, which kind of step, and who (the change's team by default)."""

    title = forms.CharField(max_length=200, label="Task")
    task_type = forms.ChoiceField(choices=TaskType.choices, label="Type", widget=FastSelect)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False, label="Assignment group",
                                  widget=FastSelect, empty_label="The change's group")


def change_link(task: Any) -> str:
    change = task.parent_change
    return (f'<td data-testid="task-change"><a href="{escape(change_url(change.number))}">{escape(change.number)}'
            "</a></td>")


def change_url(number: str) -> str:
    return reverse("agent-change", args=[number])


class ChangeTaskQueue(QueuePage):
    """The change task queues: open, mine, my teams' unassigned, recent."""

    kind = CHANGE_TASK
    filterset = ChangeTaskFilter
    transition_form = TaskTransitionForm
    queues = [queue_page.standard_queues(CHANGE_TASK)[slug] for slug in ("open", "mine", "my-teams", "recent")]
    default_queue = "open"
    filter_layout = [
        ("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
        ("task_type", "col-md-6 col-xl-4", True), ("team", "col-sm-6 col-lg-3", False),
        ("assignee", "col-sm-6 col-lg-3", False), ("unassigned", "col-sm-6 col-lg-3", False),
    ]
    related = ("assignee", "parent_change")
    show_caller = False
    extra_columns = [("Change", change_link)]
    placeholder = "e.g. restart, CTASK0001001"


QUEUE = ChangeTaskQueue()


class ChangeTaskPage(TicketPage):
    """The task page: the generic ticket page with the change it belongs to."""

    kind = CHANGE_TASK
    name = "agent-change-task"
    fields_form = TaskFieldsForm
    transition_form = TaskTransitionForm
    related = ("requester", "assignee", "parent_change")
    side_templates = ("changes/agent/_task_change.html",)
    action_labels = TASK_ACTION_LABELS
    confirm = {TaskState.CANCELLED: "Cancel {number}?"}


PAGE = ChangeTaskPage()


@require_POST
@permission_required("tickets.work")
def add_task(request: HttpRequest, number: str) -> HttpResponse:
    """Add a task to a change from its page."""
    from changes.views import PAGE as CHANGE_PAGE

    change = CHANGE_PAGE.load(request, number)
    form = NewTaskForm(request.POST)
    if form.is_valid():
        try:
            task = services.add_task(change, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, writes.error_text(exc))
        else:
            messages.success(request, f"{task.number} added to {number}.")
            return redirect(change_url(number) + "#tasks-panel")
    return CHANGE_PAGE.render_page(request, change, status=400, task_form=form)
