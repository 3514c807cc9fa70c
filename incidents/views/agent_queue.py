"""The incident queues of the agent workspace: the generic queue page (core.queue_page) with the incident's
saved queues, filter panel, "Major" badge and caller column."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import clock, queue_page
from core.queue_page import QueuePage, SavedQueue
from incidents.filters import IncidentFilter
from incidents.forms import TransitionForm
from incidents.kind import INCIDENT

# How far ahead the "Breaching soon" queue looks (overdue open tickets are in it too).
BREACHING_SOON = timedelta(hours=2)


STANDARD = queue_page.standard_queues(INCIDENT)
QUEUES = [
    STANDARD["mine"], STANDARD["my-teams"], STANDARD["open"], STANDARD["recent"],
    SavedQueue("breaching", "Breaching soon", "Open incidents whose SLA is due within 2 hours, or already overdue.",
               # to the minute: the same list (and its kept count, core.count_cache) for a minute
               lambda user: {"active": ["true"], "sla_due_before": [
                   (clock.now() + BREACHING_SOON).replace(second=0, microsecond=0).isoformat()]},
               default_ordering=["sla_due_at"]),
]


class IncidentQueue(QueuePage):
    kind = INCIDENT
    filterset = IncidentFilter
    transition_form = TransitionForm
    queues = QUEUES
    default_queue = "open"
    filter_layout = [
        ("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-4", True),
        ("priority", "col-md-12 col-xl-4", True), ("team", "col-sm-6 col-lg-3", False),
        ("assignee", "col-sm-6 col-lg-3", False), ("unassigned", "col-sm-6 col-lg-3", False),
        ("service", "col-sm-6 col-lg-3", False), ("category", "col-sm-6 col-lg-3", False),
        ("opened_after", "col-sm-6 col-lg-3", False), ("opened_before", "col-sm-6 col-lg-3", False),
    ]
    new_url_name = "agent-incident-new"
    placeholder = "e.g. printer, INC0001001"

    def title_badges(self, row: Any) -> str:
        return '<span class="badge text-bg-danger me-1">Major</span>' if row.major else ""


PAGE = IncidentQueue()
