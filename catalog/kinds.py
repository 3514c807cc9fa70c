"""Requests (REQ) and requested items (RITM) as kinds of the shared ticket core: an order from the catalog is a
request for someone, with one requested item per catalog item, each worked by the desk (taken, prepared,
delivered). A request's state follows its items: in progress once one is being prepared, closed once none is
open and one was delivered, cancelled when all were cancelled. End users see their own (the access rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from catalog.choices import ITEM_WORKFLOW, REQUEST_WORKFLOW, ItemState, RequestState, TaskState
from core.kinds import Kind
from core.models import TicketKind
from core.task_kind import TaskKind


class RequestKind(Kind):
    key = TicketKind.REQUEST
    prefix = "REQ"
    model_label = "catalog.Request"
    label = "Request"
    label_plural = "Requests"
    workflow = REQUEST_WORKFLOW
    agent_url_name = "agent-request"
    queue_url_name = "agent-requests"
    portal_url_name = "portal-request"
    choice_fields = {"state": RequestState.choices}
    # raised only by an order from the catalog (catalog.services.order): there is no other way to create one
    end_user_create_fields = frozenset({"title", "description", "service"})
    end_user_update_fields = frozenset()
    agent_fields = frozenset({"title", "description", "impact", "urgency", "service", "team", "assignee", "state",
                              "requester"})


class RequestedItemKind(Kind):
    key = TicketKind.REQUESTED_ITEM
    prefix = "RITM"
    model_label = "catalog.RequestedItem"
    label = "Requested item"
    label_plural = "Requested items"
    workflow = ITEM_WORKFLOW
    agent_url_name = "agent-requested-item"
    queue_url_name = "agent-requested-items"
    portal_url_name = "portal-request"
    choice_fields = {"state": ItemState.choices}
    end_user_create_fields = frozenset({"title", "description", "service"})  # by an order only
    end_user_update_fields = frozenset()
    agent_fields = frozenset({"title", "description", "impact", "urgency", "service", "team", "assignee", "state",
                              "requester"})

    def portal_urls(self, tickets: Sequence[Any], user: Any) -> dict[str, str]:
        """An item is shown on its request's portal page: the page of each item's request that `user` may see (one
        query for all of them)."""
        from django.urls import reverse

        from catalog.models import Request, RequestedItem

        numbers = {ticket.number for ticket in tickets}
        rows = (RequestedItem.objects.filter(number__in=numbers,
                                             parent_request__in=Request.objects.visible_to(user).values("pk"))
                .values_list("number", "parent_request__number"))
        return {number: reverse(self.portal_url_name, args=[request]) for number, request in rows}

    def after_transition(self, ticket: Any, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        """The request follows its items; an item leaving its approval withdraws what was not decided; the access
        register follows access and revoke items."""
        from catalog import grants
        from catalog.services import follow_items
        from core import approvals

        if current == ItemState.APPROVAL and target != ItemState.FULFILMENT:
            approvals.withdraw(ticket, actor)
        if target == ItemState.COMPLETE:
            grants.delivered(ticket, actor)
        elif target in (ItemState.REJECTED, ItemState.CANCELLED):
            grants.dropped(ticket)
        follow_items(ticket.parent_request_id, actor)

    def approval_decided(self, ticket: Any, approval: Any, actor: Any, comment: str) -> None:
        """Approved: the next step, or the item is prepared. Rejected: the item ends, and the requester reads why
        on their request."""
        from catalog.fulfilment import next_approval
        from core import services as core
        from core.models import ApprovalState
        from core.writes import move

        if ticket.state != ItemState.APPROVAL:
            return
        if approval.state == ApprovalState.APPROVED:
            next_approval(ticket.pk, actor)
            return
        move(self, ticket, None, ItemState.REJECTED)
        reason = f": {comment}" if comment else "."
        core.add_comment(ticket.parent_request, actor, f"{ticket.title} ({ticket.number}) was not approved by "
                                                       f"{approval.name}{reason}")


class CatalogTaskKind(TaskKind):
    """A fulfilment task (TASK...): the desk's work on a requested item, raised from its item's plan."""

    key = TicketKind.TASK
    prefix = "TASK"
    model_label = "catalog.CatalogTask"
    label = "Task"
    label_plural = "Tasks"
    agent_url_name = "agent-task"
    queue_url_name = "agent-tasks"
    agent_fields = frozenset({"title", "description", "impact", "urgency", "service", "team", "assignee", "state",
                              "instructions", "requester"})
    internal_fields = agent_fields | {"priority", "close_notes"}

    def after_transition(self, ticket: Any, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        """A finished task may finish its stage: the next stage's tasks are raised, or the item is delivered."""
        if target in (TaskState.DONE, TaskState.CANCELLED):
            from catalog.fulfilment import advance

            advance(ticket.requested_item_id, actor)


REQUEST = RequestKind()
REQUESTED_ITEM = RequestedItemKind()
CATALOG_TASK = CatalogTaskKind()
