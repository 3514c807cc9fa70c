"""Kept KPI values forgotten when what they count changes in a way a manager expects to see at once.

A requester's satisfaction answer is the figure managers watch after a bad resolution: the kept CSAT values of
its month (and of the running month) are dropped after the answer commits, so the dashboard's next read computes
them again instead of showing a value up to KPI_RUNNING_SNAPSHOT_MINUTES old. Other KPIs follow their own rollup.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from improvement.kpis.periods import current_month, desk_zone
from improvement.models import KpiSnapshot


def forget_csat(sender: Any, instance: Any, **kwargs: Any) -> None:
    local = instance.answered_at.astimezone(desk_zone())
    months = {local.date().replace(day=1), current_month()}
    transaction.on_commit(lambda: KpiSnapshot.objects.filter(kpi="csat", month__in=months).delete())


def connect() -> None:
    from surveys.models import CsatAnswer

    post_save.connect(forget_csat, sender=CsatAnswer, dispatch_uid="improvement-forget-csat")
