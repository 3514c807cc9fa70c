"""Approving and fulfilling a requested item. Its catalog item's approval steps come first, in order (the
requester's manager, an approver group; core.approvals); a rejection ends the item with its reason told to the
requester. Then its plan (catalog.models.FulfilmentStep): the first stage's
tasks are raised with the order, each next stage's once every task of the one before is finished (done or
cancelled), and the item is delivered when the last stage is; the request follows its items. An item without a
plan is worked by hand on its own page."""

from __future__ import annotations

from typing import Any

from catalog import grants
from catalog.choices import Approver, ItemState
from catalog.kinds import CATALOG_TASK, REQUESTED_ITEM
from catalog.models import ApprovalStep, CatalogTask, RequestedItem
from core import approvals, writes
from core import services as core


def raise_stage(item: RequestedItem, stage: int, actor: Any = None) -> list[CatalogTask]:
    """The tasks of one stage of the item's plan."""
    steps = item.catalog_item.plan.filter(stage=stage).select_related("team")
    # raised by the system (whoever finished the stage before, an end user ordering included), for the requester
    return [writes.create(CATALOG_TASK, None, {
        "title": step.title, "description": f"For {item.number} ({item.title}) of {item.requester.display_name}.",
        "team": step.team or item.team, "service": item.service, "instructions": step.instructions,
        "requester": item.requester}, preset={"requested_item": item, "stage": stage}) for step in steps]


def start(item: RequestedItem, actor: Any) -> None:
    """With its order: the item's first approval step, else its fulfilment."""
    if grants.approval_steps(item):
        writes.move(REQUESTED_ITEM, writes.lock(REQUESTED_ITEM, item), None, ItemState.APPROVAL)
        next_approval(item.pk, actor)
    else:
        prepare(item, actor)


def approvers_of(item: RequestedItem, step: ApprovalStep) -> tuple[list[Any], Any, str]:
    """Who a step asks, the approver group they are, and how they are called; never the requester (nobody approves
    their own order)."""
    if step.approver == Approver.SYSTEM_OWNER:
        return grants.owners(item)
    requester = item.requester
    if step.approver == Approver.MANAGER:
        manager = requester.manager if requester.manager_id and requester.manager.is_active else None
        people = [manager] if manager is not None and manager.pk != requester.pk else []
        return people, None, f"{requester.display_name}'s manager"
    group = step.group
    people = [] if group is None else list(group.members.filter(is_active=True).exclude(pk=requester.pk)
                                           .order_by("pk"))
    return people, group, group.name if group is not None else "an approver group"


def next_approval(item_id: int, actor: Any) -> None:
    """Ask the item's next approval step (skipping, journaled, a step with nobody to ask), or prepare it once
    every step has approved."""
    item: RequestedItem = writes.lock(REQUESTED_ITEM, item_id)
    steps = grants.approval_steps(item)
    while item.approval_step < len(steps):
        step = steps[item.approval_step]
        item.approval_step += 1
        RequestedItem.objects.filter(pk=item.pk).update(approval_step=item.approval_step)
        people, group, name = approvers_of(item, step)
        if people:
            approvals.ask(item, people, step.rule, 1, actor, group=group, label="" if group is not None else name)
            return
        core.add_comment(item, None, f"Approval step {step.order} skipped: nobody but the requester can approve "
                                     f"it ({name}).", internal=True)
    prepare(item, actor)


def prepare(item: RequestedItem, actor: Any) -> list[CatalogTask]:
    """Start an item's fulfilment: its first stage's tasks; the item is being prepared."""
    first = item.catalog_item.plan.order_by("stage").values_list("stage", flat=True).first()
    if first is None and (task := grants.task_for(item)) is not None:  # access without a plan: its own task
        created = [writes.create(CATALOG_TASK, None, {
            "title": task["title"], "description": f"For {item.number} ({item.title}).", "team": task["team"] or
            item.team, "service": item.service, "instructions": task["instructions"], "requester": item.requester},
            preset={"requested_item": item, "stage": 1})]
        writes.move(REQUESTED_ITEM, writes.lock(REQUESTED_ITEM, item), None, ItemState.FULFILMENT)
        return created
    if first is None:  # no plan: worked by hand; once approved, it is being prepared
        locked = writes.lock(REQUESTED_ITEM, item)
        if locked.state == ItemState.APPROVAL:
            writes.move(REQUESTED_ITEM, locked, None, ItemState.FULFILMENT)
        return []
    tasks = raise_stage(item, first, actor)
    writes.move(REQUESTED_ITEM, writes.lock(REQUESTED_ITEM, item), None, ItemState.FULFILMENT)
    return tasks


def advance(item_id: int, actor: Any) -> None:
    """After a task finished: nothing while its stage has open tasks; else the next stage, or the item delivered
    (cancelled when every task was cancelled)."""
    item: RequestedItem = writes.lock(REQUESTED_ITEM, item_id)
    if not item.active or item.tasks.filter(active=True).exists():
        return
    current = item.tasks.order_by("-stage").values_list("stage", flat=True).first() or 0
    following = item.catalog_item.plan.filter(stage__gt=current).order_by("stage").values_list(
        "stage", flat=True).first()
    if following is not None:
        raise_stage(item, following, actor)
        return
    done = item.tasks.filter(state="done").exists()
    writes.move(REQUESTED_ITEM, item, None, ItemState.COMPLETE if done else ItemState.CANCELLED)
    if done:
        grants.credit(item, actor)  # the register names who did the last task, not "the system"
