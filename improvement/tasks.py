"""Celery tasks of continual improvement: keep the managers' KPI dashboard's past months computed."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask


@shared_task(base=ItsmTask, name="improvement.tasks.refresh_snapshots")
def refresh_snapshots() -> int:
    """Recompute the past months of every KPI for the managers' default view (no filters); idempotent."""
    from improvement.snapshots import refresh_default

    return refresh_default()
