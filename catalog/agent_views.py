"""Requests and requested items in the workspace: their queues and pages (the generic ones of the core), with a
request's items and a requested item's answers beside the conversation."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.http import HttpRequest

from catalog.choices import ItemState, RequestState, TaskState
from catalog.kinds import CATALOG_TASK, REQUEST, REQUESTED_ITEM
from catalog.models import CatalogTask, Request, RequestedItem
from core import queue_page
from core.queue_page import QueuePage
from core.task_states import TASK_ACTION_LABELS
from core.ticket_filters import TicketFilter
from core.ticket_forms import TaskTransitionForm, TriageFieldsForm, long_text
from core.ticket_page import TicketPage
from sla.filters import SlaFilters


class RequestFilter(SlaFilters, TicketFilter):
    number_prefix = "REQ"
    state = django_filters.MultipleChoiceFilter(choices=RequestState.choices, distinct=False)

    class Meta:
        model = Request
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "requester", "active", "q"]


class RequestedItemFilter(SlaFilters, TicketFilter):
    number_prefix = "RITM"
    state = django_filters.MultipleChoiceFilter(choices=ItemState.choices, distinct=False)
    request = django_filters.CharFilter(field_name="parent_request__number", label="Request number")

    class Meta:
        model = RequestedItem
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "requester", "active",
                  "request", "q"]


class FieldsForm(TriageFieldsForm):
    LAYOUT = [("title", "col-12"), ("description", "col-12"), ("service", "col-sm-6"), ("impact", "col-sm-6"),
              ("urgency", "col-sm-6"), ("team", "col-sm-6"), ("assignee", "col-sm-6")]


def transition_form(states: list[tuple[str, str]]) -> type[forms.Form]:
    return type("TransitionForm", (forms.Form,), {
        "state": forms.ChoiceField(choices=states), "version": forms.IntegerField(widget=forms.HiddenInput,
                                                                                   required=False),
        "comment": long_text("Comment", rows=2)})


REQUEST_TRANSITION_FORM = transition_form(RequestState.choices)
ITEM_TRANSITION_FORM = transition_form(ItemState.choices)
FILTER_LAYOUT = [("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
                 ("team", "col-sm-6 col-lg-3", False), ("assignee", "col-sm-6 col-lg-3", False),
                 ("unassigned", "col-sm-6 col-lg-3", False), ("service", "col-sm-6 col-lg-3", False)]


class RequestQueue(QueuePage):
    kind = REQUEST
    filterset = RequestFilter
    transition_form = REQUEST_TRANSITION_FORM
    queues = [queue_page.standard_queues(REQUEST)[slug] for slug in ("open", "mine", "my-teams", "recent")]
    default_queue = "open"
    filter_layout = FILTER_LAYOUT
    placeholder = "e.g. laptop, REQ0001001"
    links = [("Requested items", "agent-requested-items")]


class RequestedItemQueue(QueuePage):
    kind = REQUESTED_ITEM
    filterset = RequestedItemFilter
    transition_form = ITEM_TRANSITION_FORM
    queues = [queue_page.standard_queues(REQUESTED_ITEM)[slug] for slug in ("open", "mine", "my-teams", "recent")]
    default_queue = "open"
    filter_layout = FILTER_LAYOUT
    placeholder = "e.g. laptop, RITM0001001"
    links = [("Requests", "agent-requests"), ("Tasks", "agent-tasks")]


class RequestPage(TicketPage):
    kind = REQUEST
    name = "agent-request"
    fields_form = FieldsForm
    transition_form = REQUEST_TRANSITION_FORM
    related = ("requester", "assignee", "opened_by")
    side_templates = ("catalog/agent/_request_items.html",)

    def extra_context(self, request: HttpRequest, ticket: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        return {"request_items": list(ticket.items.select_related("assignee", "catalog_item"))}


class RequestedItemPage(TicketPage):
    kind = REQUESTED_ITEM
    name = "agent-requested-item"
    fields_form = FieldsForm
    transition_form = ITEM_TRANSITION_FORM
    related = ("requester", "assignee", "parent_request", "catalog_item")
    side_templates = ("catalog/agent/_item_answers.html",)

    def extra_context(self, request: HttpRequest, ticket: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        return {"item_tasks": list(ticket.tasks.select_related("assignee", "team"))}
    action_labels = {ItemState.FULFILMENT: "Start preparing", ItemState.COMPLETE: "Delivered",
                     ItemState.CANCELLED: "Cancel item", ItemState.REQUESTED: "Back to requested"}


class TaskFilter(SlaFilters, TicketFilter):
    number_prefix = "TASK"
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices, distinct=False)
    requested_item = django_filters.CharFilter(field_name="requested_item__number", label="Requested item number")

    class Meta:
        model = CatalogTask
        fields = ["state", "priority", "team", "assignee", "unassigned", "service", "active", "requested_item", "q"]


class TaskFieldsForm(TriageFieldsForm):
    instructions = long_text("Instructions", rows=3)

    LAYOUT = [("title", "col-12"), ("instructions", "col-12"), ("description", "col-12"), ("team", "col-sm-6"),
              ("assignee", "col-sm-6"), ("service", "col-sm-6"), ("impact", "col-sm-6"), ("urgency", "col-sm-6")]



class TaskQueue(QueuePage):
    kind = CATALOG_TASK
    filterset = TaskFilter
    transition_form = TaskTransitionForm
    queues = [queue_page.standard_queues(CATALOG_TASK)[slug] for slug in ("open", "mine", "my-teams", "recent")]
    default_queue = "open"
    filter_layout = FILTER_LAYOUT
    show_caller = False
    placeholder = "e.g. install, TASK0001001"
    links = [("Requested items", "agent-requested-items"), ("Requests", "agent-requests")]


class TaskPage(TicketPage):
    kind = CATALOG_TASK
    name = "agent-task"
    fields_form = TaskFieldsForm
    transition_form = TaskTransitionForm
    related = ("requester", "assignee", "requested_item")
    side_templates = ("catalog/agent/_task_item.html",)
    action_labels = TASK_ACTION_LABELS


REQUEST_QUEUE, ITEM_QUEUE, TASK_QUEUE = RequestQueue(), RequestedItemQueue(), TaskQueue()
REQUEST_PAGE, ITEM_PAGE, TASK_PAGE = RequestPage(), RequestedItemPage(), TaskPage()
