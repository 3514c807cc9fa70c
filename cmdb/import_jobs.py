"""Confirmed CSV imports run by a Celery worker, not in the request: a file of 20,000 rows writes for minutes.

- `queue` records the file as a `CIImport` (the row is the job and, with core.outbox, its message: the task is
  published once the row commits, and a broker outage only delays it) and returns at once;
- `run` (cmdb.tasks.apply_import) claims a waiting job (compare-and-swap: a task delivered twice does nothing the
  second time), plans the file again (the CMDB may have changed since the preview), applies it in one transaction
  through cmdb.imports, and records the outcome on the row; while it writes, how far it is goes to the cache;
- `retry_valid_rows` queues a refused file again, its valid rows only;
- `progress` reads that figure for the job's page, which asks again every few seconds until the job is over.
A job whose worker died mid-way wrote nothing (one transaction): after STALE_AFTER its page says so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction

from cmdb import imports
from cmdb.choices import ImportState
from cmdb.models import CIImport
from core import clock
from core.breaker import redis_breaker
from core.tasks import enqueue_on_commit

log = logging.getLogger(__name__)

SHOWN = 500  # problems and written CIs kept on the job for its page
PROGRESS_PREFIX = "cmdb-import-progress:"
PROGRESS_SECONDS = 6 * 60 * 60
STALE_AFTER = timedelta(hours=1)
OVER = (ImportState.DONE, ImportState.REFUSED, ImportState.FAILED)


def queue(actor: Any, text: str, file_name: str, *, valid_only: bool) -> CIImport:
    """Record a confirmed file as a job for a worker; the task is sent once the job is committed."""
    from cmdb import tasks

    parsed = imports.parse_csv(text)  # refused as a whole (ImportFileError) before anything is recorded
    with transaction.atomic():
        job = CIImport.objects.create(created_by=actor, file_name=file_name[:200], text=text, valid_only=valid_only,
                                      total=len(parsed.items) + len(parsed.relationships), created_at=clock.now())
        enqueue_on_commit(tasks.apply_import, job.pk)
    return job


def retry_valid_rows(job: CIImport) -> CIImport | None:
    """A refused job's file again, the valid rows only, as a new job (the refused one gives its text up); None when
    the job cannot be retried (not refused, or its file is gone)."""
    with transaction.atomic():
        locked = CIImport.objects.select_for_update().filter(pk=job.pk, state=ImportState.REFUSED).first()
        if locked is None or not locked.text:
            return None
        retried = queue(locked.created_by, locked.text, locked.file_name, valid_only=True)
        CIImport.objects.filter(pk=locked.pk).update(text="")
    return retried


def progress(job: CIImport) -> int:
    """How many rows the worker has walked (0 before it starts or when the cache is away; the total once over)."""
    if job.state in OVER:
        return job.total
    value = redis_breaker.call(lambda: cache.get(PROGRESS_PREFIX + str(job.pk)), None)
    return min(int(value), job.total) if isinstance(value, int) else 0


def is_stale(job: CIImport) -> bool:
    """A job still running (or waiting) long after it was queued: its worker probably stopped; nothing was written."""
    return job.state not in OVER and clock.now() - job.created_at > STALE_AFTER


def report(job_id: int, walked: int) -> None:
    redis_breaker.call(lambda: cache.set(PROGRESS_PREFIX + str(job_id), walked, PROGRESS_SECONDS), None)


def run(job_id: int) -> str | None:
    """Apply a waiting job's file and record the outcome; its final state, or None when it was not waiting."""
    claimed = CIImport.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=clock.now())
    if not claimed:
        return None
    job = CIImport.objects.select_related("created_by").get(pk=job_id)
    outcome: dict[str, Any] = {"text": "", "finished_at": None}
    try:
        plan = imports.run_csv(job.text, job.created_by, commit=True, valid_only=job.valid_only,
                               progress=lambda walked: report(job_id, walked))
    except imports.ImportFileError as exc:
        outcome.update(state=ImportState.REFUSED, message=" ".join(exc.messages)[:300])
    except PermissionDenied:
        outcome.update(state=ImportState.FAILED, message="You may no longer edit the CMDB: nothing was imported.")
    except Exception:
        log.exception("CMDB import %s failed", job_id)
        outcome.update(state=ImportState.FAILED,
                       message="The import stopped on an unexpected error: nothing was imported.")
    else:
        problems = plan.errors()
        written = [[item.class_name, item.name, item.ci.pk, item.outcome] for item in plan.items
                   if item.outcome in (imports.CREATE, imports.UPDATE) and item.ci is not None]
        if not plan.applied:
            del outcome["text"]  # kept: the valid rows may still be imported (`retry_valid_rows`)
        outcome.update(state=ImportState.DONE if plan.applied else ImportState.REFUSED,
                       counts=plan.counts(), relationship_counts=plan.relationship_counts(),
                       problems=[list(problem) for problem in problems[:SHOWN]], problem_total=len(problems),
                       written=written[:SHOWN],
                       message="" if plan.applied else
                       "The file has problems, so nothing was imported: correct them, or import the valid rows only.")
    outcome["finished_at"] = clock.now()
    CIImport.objects.filter(pk=job_id).update(**outcome)
    redis_breaker.call(lambda: cache.delete(PROGRESS_PREFIX + str(job_id)), None)
    return str(outcome["state"])
