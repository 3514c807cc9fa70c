"""Fulfilling a requested item from its catalog item's plan (catalog.models.FulfilmentStep): the first stage's
tasks are raised with the order, each next stage's once every task of the one before is finished (done or
cancelled), and the item is delivered when the last stage is; the request follows its items. An item without a
plan is worked by hand on its own page."""

from __future__ import annotations

from typing import Any

from catalog.choices import ItemState
from catalog.kinds import CATALOG_TASK, REQUESTED_ITEM
from catalog.models import CatalogTask, RequestedItem
from core import writes


def raise_stage(item: RequestedItem, stage: int, actor: Any = None) -> list[CatalogTask]:
    """The tasks of one stage of the item's plan."""
    steps = item.catalog_item.plan.filter(stage=stage).select_related("team")
    # raised by the system (whoever finished the stage before, an end user ordering included), for the requester
    return [writes.create(CATALOG_TASK, None, {
        "title": step.title, "description": f"For {item.number} ({item.title}) of {item.requester.display_name}.",
        "team": step.team or item.team, "service": item.service, "instructions": step.instructions,
        "requester": item.requester}, preset={"requested_item": item, "stage": stage}) for step in steps]


def start(item: RequestedItem, actor: Any) -> list[CatalogTask]:
    """Start an item's fulfilment (with its order): its first stage's tasks; the item is being prepared."""
    first = item.catalog_item.plan.order_by("stage").values_list("stage", flat=True).first()
    if first is None:
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
