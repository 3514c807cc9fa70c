"""The problem kind as the core sees it: workflow, field rules, pages, and its hooks (a root cause before the
fix, the permanent fix to resolve, the known-error flag). End users never see problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from accounts.roles import Role, has_role
from core import clock
from core.desk_mail import DESK_EVENTS, DeskEvent
from core.kinds import Kind
from core.models import LinkKind, Ticket, TicketKind
from problems.choices import WORKFLOW, State

FIELDS = frozenset({
    "title", "description", "impact", "urgency", "category", "service", "team", "assignee", "state",
    "root_cause", "workaround", "fix", "related_change",
})


class ProblemKind(Kind):
    key = TicketKind.PROBLEM
    prefix = "PRB"
    model_label = "problems.Problem"
    label = "Problem"
    label_plural = "Problems"
    workflow = WORKFLOW
    agent_url_name = "agent-problem"
    queue_url_name = "agent-problems"
    choice_fields = {"state": State.choices}
    end_users_see = False
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    agent_fields = FIELDS
    transition_fields = frozenset({"fix"})
    state_needs = {State.RESOLVED: ("fix",)}
    internal_fields = FIELDS | {"priority", "known_error"}
    raised_from = {TicketKind.INCIDENT: LinkKind.CAUSED_BY}  # an incident is caused by its problem
    desk_events = {**DESK_EVENTS, "incident_reopened": DeskEvent(
        "An incident came back", 'An incident of problem {number} "{title}" was reopened after the problem was '
        "resolved: check whether the fix holds.")}

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """Only the service desk works on problems."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def clean(self, ticket: Any, actor: Any, data: dict[str, Any]) -> None:
        """A problem is filed under a top-level category, one still in use."""
        from incidents.models import check_top_level

        check_top_level(data.get("category"), getattr(ticket, "category_id", None))

    def transition_errors(self, ticket: Any, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if target == State.FIX_IN_PROGRESS and not ticket.root_cause.strip():
            errors["root_cause"] = ["Record the root cause before working on the fix."]
        if target == State.RESOLVED and not str(fields.get("fix") or ticket.fix).strip():
            errors["fix"] = ["Resolving needs the permanent fix: what was changed so that it does not come back."]
        return errors

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {"fix": fields["fix"]} if target == State.RESOLVED and str(fields.get("fix") or "").strip() else {}

    def derived(self, ticket: Any) -> dict[str, Any]:
        """A known error: its root cause and a workaround are recorded (stamped when it becomes one)."""
        known = bool(ticket.root_cause.strip() and ticket.workaround.strip())
        if known and not ticket.known_error:
            ticket.known_error_at = clock.now()
        elif not known:
            ticket.known_error_at = None
        return {"known_error": known}

    def after_link(self, ticket: Any, source: Ticket, actor: Any) -> None:
        """An open incident linked to a problem whose workaround is published gets the workaround at once."""
        if ticket.workaround_published_at and source.active:
            from problems import services

            services.push_workaround(ticket, source, actor)

    def side_panels(self, ticket: Ticket, user: Any) -> list[dict[str, Any]]:
        """On an incident's page: its problems (with their workarounds), the known errors that may explain it
        (loaded after the page), and the forms that raise a problem from it or link it to an open one."""
        if ticket.kind != TicketKind.INCIDENT or not has_role(user, Role.AGENT):
            return []
        from core.related import linked_ids
        from problems import services

        # the links first (most incidents have none: then no query through the access rule), then the problems
        # among them that the user may see
        linked = linked_ids(ticket, LinkKind.CAUSED_BY, outgoing=True)
        problems = list(self.model.objects.visible_to(user).filter(pk__in=linked)
                        .defer(*services.SUGGESTION_DEFERRED)) if linked else []
        # the known errors that may explain it are loaded after the page (problems.views.known_error_suggestions)
        return [{"template": "problems/_incident_panel.html", "problems": problems,
                 "incident_number": ticket.number, "incident_title": ticket.title}]

    def queue_summaries(self, user: Any) -> list[dict[str, Any]]:
        """Open problems, known errors, and problems assigned to the agent (counts through the access rule)."""
        from core.queue_page import SavedQueue, summary
        from problems.models import Problem

        # counted on the core table where they can (no join to problems_problem: 12 ms instead of 100 at 100,000
        # problems, bench/RESULTS.md), unordered (a count needs no order)
        tickets = Ticket.objects.visible_to(user).filter(kind=self.key, active=True).order_by()
        url = reverse(self.queue_url_name)
        return [summary(SavedQueue("problems-mine", "My problems", "Open problems assigned to you."),
                        tickets.filter(assignee_id=user.pk), f"{url}?active=true&assignee={user.pk}"),
                summary(SavedQueue("problems-open", "Open problems", "Problems under analysis or being fixed."),
                        tickets, f"{url}?active=true"),
                summary(SavedQueue("known-errors", "Known errors", "Open problems with a root cause and a workaround."),
                        Problem.objects.visible_to(user).filter(active=True, known_error=True).order_by(),
                        reverse("agent-known-errors"))]


PROBLEM = ProblemKind()
