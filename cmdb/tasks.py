"""Celery tasks of configuration management: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask


@shared_task(base=ItsmTask, name="cmdb.tasks.apply_import")
def apply_import(job_id: int) -> str | None:
    """Apply a confirmed CSV import (cmdb.import_jobs.run); idempotent: a job already claimed is left alone."""
    from cmdb import import_jobs

    return import_jobs.run(job_id)
