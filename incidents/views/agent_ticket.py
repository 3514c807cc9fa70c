"""The agent's incident page: the generic ticket page (core.ticket_page) with the incident's fields form, its
quick actions (hold with a reason, resolve with a code and notes), the major and hold badges, the resolution
under the header, and the parent incident in the links panel."""

from __future__ import annotations

from core.ticket_page import TicketPage
from incidents.choices import State
from incidents.forms import AgentIncidentForm, TransitionForm
from incidents.kind import INCIDENT


class IncidentPage(TicketPage):
    kind = INCIDENT
    name = "agent-incident"
    fields_form = AgentIncidentForm
    transition_form = TransitionForm
    prefetched = ("parent",)
    kept = (*TicketPage.kept, "category", "subcategory")
    badges_template = "incidents/agent/_badges.html"
    summary_template = "incidents/agent/_resolution.html"
    action_labels = {State.ON_HOLD: "Put on hold", State.RESOLVED: "Resolve", State.CLOSED: "Close",
                     State.CANCELLED: "Cancel incident"}
    confirm = {State.CANCELLED: "Cancel {number}? A cancelled incident cannot be reopened."}

    def action_label(self, current: str, target: str) -> str:
        if target == State.IN_PROGRESS:
            return {State.NEW: "Start work", State.ON_HOLD: "Resume work", State.RESOLVED: "Reopen"}.get(
                current, "Work")
        return super().action_label(current, target)


PAGE = IncidentPage()
