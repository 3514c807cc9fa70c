"""The change kind as the core sees it: workflow and what each state needs (plans before assess, an authorisation
and a planned window before scheduled, an outcome at review, close notes and a post-implementation review where
one is due), field rules, pages and hooks. End users never see changes.

A change is raised from a problem (the problem is "fixed by" it: from the problem page) and incidents are linked
to the change that caused them (core.raised_from gives both the routes, panels and API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role, has_role
from changes.choices import WORKFLOW, ChangeType, Outcome, Risk, State
from core import clock
from core.desk_mail import DESK_EVENTS, DeskEvent
from core.kinds import Kind
from core.models import Impact, LinkKind, Ticket, TicketKind

PLANS = ("implementation_plan", "backout_plan", "test_plan")
FIELDS = frozenset({
    "title", "description", "impact", "urgency", "service", "team", "assignee", "state", "change_type", "risk",
    "change_manager", "justification", *PLANS, "planned_start", "planned_end", "actual_start", "actual_end",
})
# the least impact of a change to a service of each criticality (catalog.Criticality: 1 low ... 4 critical)
IMPACT_OF_CRITICALITY: dict[int, int] = {4: Impact.HIGH, 3: Impact.HIGH, 2: Impact.MEDIUM}
# outcomes after which the change is reviewed before it closes (as every emergency change is)
REVIEWED_OUTCOMES = frozenset({Outcome.FAILED, Outcome.BACKED_OUT})


def blank(value: Any) -> bool:
    return not str(value or "").strip()


class ChangeKind(Kind):
    key = TicketKind.CHANGE
    prefix = "CHG"
    model_label = "changes.Change"
    label = "Change"
    label_plural = "Changes"
    workflow = WORKFLOW
    agent_url_name = "agent-change"
    queue_url_name = "agent-changes"
    choice_fields = {"state": State.choices, "change_type": ChangeType.choices, "outcome": Outcome.choices,
                     "risk": Risk.choices}
    end_users_see = False
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    agent_fields = FIELDS
    transition_fields = frozenset({"outcome", "close_notes", "review_notes"})
    state_needs = {State.REVIEW: ("outcome",), State.CLOSED: ("close_notes", "review_notes")}
    internal_fields = FIELDS | {"priority", "outcome", "close_notes", "review_notes", "authorization", "approval",
                                "risk_score", "other_services"}
    raised_from = {TicketKind.PROBLEM: LinkKind.FIXED_BY, TicketKind.INCIDENT: LinkKind.CAUSED_BY}
    desk_events = {
        **DESK_EVENTS,
        "authorize": DeskEvent("Waiting for your authorisation",
                               'Change {number} "{title}" waits for your authorisation (its approvers, if it has '
                               "any, have approved it).", to="change_manager"),
        "approved": DeskEvent("Authorised", 'Change {number} "{title}" is authorised: it can be scheduled.'),
        "rejected": DeskEvent("Rejected", 'Change {number} "{title}" was rejected and is back in assessment: '
                                          "the reason is in its activity."),
    }

    def clean(self, ticket: Any, actor: Any, data: dict[str, Any]) -> None:
        """A planned window ends after it starts; the impact is at least what the service's criticality says (high
        for a high or critical service, medium for a medium one); the change manager is a member of the desk."""
        start = data["planned_start"] if "planned_start" in data else getattr(ticket, "planned_start", None)
        end = data["planned_end"] if "planned_end" in data else getattr(ticket, "planned_end", None)
        if start and end and end <= start:
            raise ValidationError({"planned_end": ["The planned end must come after the planned start."]})
        from changes.models import Change

        if isinstance(ticket, Change) and ticket.risk_computed and data.get("risk", ticket.risk) != ticket.risk:
            raise ValidationError({"risk": ["The risk questionnaire set the risk: the change manager overrides it "
                                            "with a reason (the Risk panel, or POST .../risk-override/)."]})
        service = data["service"] if "service" in data else getattr(ticket, "service", None)
        floor = IMPACT_OF_CRITICALITY.get(getattr(service, "criticality", 0) or 0)
        impact = data.get("impact") if "impact" in data else getattr(ticket, "impact", None)
        if floor is not None and int(impact or Impact.LOW) > floor:
            data["impact"] = floor  # a change to a critical service has a high impact, whatever was typed
        manager = data.get("change_manager")
        if manager is not None and not has_role(manager, Role.AGENT):
            raise ValidationError({"change_manager": ["The change manager must be a member of the service desk."]})

    def fields_from(self, source: Ticket) -> dict[str, Any]:
        """From a problem: the change that delivers its permanent fix (its root cause justifies it)."""
        if source.kind != TicketKind.PROBLEM:
            return super().fields_from(source)
        problem: Any = source
        return {"title": f"Fix for {problem.number}: {problem.title}"[:200], "description": problem.description,
                "justification": problem.root_cause, "implementation_plan": problem.fix, "service": problem.service,
                "impact": problem.impact, "urgency": problem.urgency}

    def transition_errors(self, ticket: Any, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        # the plans come before the assessment (going back to it to re-plan asks for nothing)
        if target in (State.AUTHORIZE, State.SCHEDULED) or (target == State.ASSESS and ticket.state == State.NEW):
            for name in PLANS:
                if blank(getattr(ticket, name)):
                    errors[name] = ["Write the plan first: implementation, backout and test plans come before "
                                    "the assessment."]
        from changes import services

        authorised = services.needs_authorisation(ticket)
        if target == State.AUTHORIZE:
            if not authorised:
                errors["change_type"] = ["A standard change is pre-approved: schedule it."]
            elif problems := services.approval_errors(ticket):
                errors["authorization"] = problems
            if ticket.change_type == ChangeType.NORMAL and not ticket.risk_computed:
                from changes.risk import questions

                if questions():
                    errors["risk"] = ["Answer the risk questionnaire before asking for authorisation."]
        if target == State.SCHEDULED:
            if authorised and ticket.authorized_at is None:
                errors["authorization"] = ["A normal or emergency change (or a high-risk one) is authorised before "
                                           "it is scheduled."]
            if ticket.planned_start is None or ticket.planned_end is None:
                errors["planned_start"] = ["Plan the window (start and end) before scheduling."]
            else:
                from changes.conflicts import conflicts

                blocking = [conflict.text for conflict in conflicts(ticket) if conflict.blocking]
                if blocking:
                    errors["planned_start"] = blocking
        if target == State.REVIEW and not fields.get("outcome"):
            errors["outcome"] = ["Say how the implementation went."]
        if target == State.CLOSED:
            open_tasks = list(ticket.tasks.filter(active=True).values_list("number", flat=True))
            if open_tasks:
                errors["tasks"] = [f"Finish or cancel its open tasks first: {', '.join(open_tasks)}."]
            if blank(fields.get("close_notes")):
                errors["close_notes"] = ["Closing needs notes: what was done."]
            if (ticket.outcome in REVIEWED_OUTCOMES or ticket.change_type == ChangeType.EMERGENCY) and blank(
                    fields.get("review_notes") or ticket.review_notes):
                errors["review_notes"] = ["A failed, backed-out or emergency change needs its post-implementation "
                                          "review."]
        return errors

    def on_move(self, ticket: Any, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Stamp the actual window; take the outcome and the closing texts; going back to assess voids the
        authorisation (the plan may change)."""
        now = clock.now()
        if target == State.IMPLEMENT:
            return {"actual_start": ticket.actual_start or now}
        if target == State.REVIEW:
            return {"actual_end": ticket.actual_end or now, "outcome": fields["outcome"]}
        if target == State.CLOSED:
            return {name: fields[name] for name in ("close_notes", "review_notes") if not blank(fields.get(name))}
        if target == State.ASSESS and ticket.authorized_at is not None:
            return {"authorized_at": None, "authorized_by": None}
        return {}

    def after_transition(self, ticket: Any, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        from changes import services
        from core import approvals

        if current == State.AUTHORIZE and target != State.SCHEDULED:
            approvals.withdraw(ticket, actor)
        if target == State.CANCELLED:
            services.cancel_tasks(ticket, actor)
        if target == State.AUTHORIZE and not services.ask_approvers(ticket, actor):
            self.notify("authorize", ticket, actor)

    def approval_decided(self, ticket: Ticket, approval: Any, actor: Any, comment: str) -> None:
        """The approvers approved: the change manager has the final say. They rejected: back to assessment."""
        from core.models import ApprovalState
        from core.writes import move

        if approval.state == ApprovalState.APPROVED:
            self.notify("authorize", ticket, actor)
        elif ticket.state == State.AUTHORIZE:
            move(self, ticket, actor, State.ASSESS)
            self.notify("rejected", ticket, actor)

    def awaiting_decision(self, user: Any) -> list[dict[str, Any]]:
        """The changes `user` manages that wait in `authorize` for their final say (no approval pending)."""
        from core.models import ApprovalState

        if not has_role(user, Role.AGENT):
            return []
        waiting = (self.model.objects.visible_to(user).filter(state=State.AUTHORIZE, change_manager_id=user.pk)
                   .exclude(approvals__state=ApprovalState.PENDING).only("number", "title", "opened_at")
                   .order_by("opened_at"))
        return [{"ticket": change, "url": self.agent_url(change.number), "note": "waiting for your final say"}
                for change in waiting]

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """Only the service desk works on changes (and approves them)."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def queue_summaries(self, user: Any) -> list[dict[str, Any]]:
        """My open changes, those waiting for authorisation, and the scheduled ones (counts through the access
        rule), named apart from the other kinds' queues on the home page."""
        if not has_role(user, Role.AGENT):
            return []
        from changes.views import QUEUE
        from core.queue_page import SavedQueue, summary

        saved = {queue.slug: queue for queue in QUEUE.queues}
        url = reverse(self.queue_url_name)
        shown = [("mine", "My changes", "Open changes assigned to you."),
                 ("my-decisions", "Waiting for my decision", "Changes you manage, waiting for your authorisation."),
                 ("authorize", "Changes to authorise", "Waiting for the change manager's decision."),
                 ("scheduled", "Scheduled changes", "Scheduled or being implemented.")]
        return [summary(SavedQueue(f"changes-{slug}", label, description),
                        QUEUE.queue_queryset(user, saved[slug]).order_by(), f"{url}?queue={slug}")
                for slug, label, description in shown]


CHANGE = ChangeKind()
