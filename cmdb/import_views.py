"""The CSV import page (/agent/cmdb/import/, `cmdb.edit`): upload a file, see what it would create, update, leave
unchanged or refuse (each problem by line and column), then confirm.

Between the preview and the confirmation the file's text is kept server-side, in the cache (Redis), under a random
token with an expiry (KEEP_SECONDS), bound to the user who uploaded it: nothing is written to disk, the form carries
only the token, and another user's token finds nothing. The confirmation queues the file for a Celery worker
(cmdb.import_jobs), which plans it again (the CMDB may have changed meanwhile) and applies it; the job's page shows
its progress, then its outcome.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cmdb import graph, import_jobs, imports
from cmdb.choices import ImportState
from cmdb.models import CIClass, CIImport
from core.breaker import redis_breaker
from core.permissions import permission_required

KEEP_SECONDS = 60 * 60
PREVIEW_ROWS = 500
CACHE_PREFIX = "cmdb-import:"


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text=f"UTF-8, comma or semicolon separated, at most "
                                                       f"{imports.MAX_BYTES // (1024 * 1024)} MB and "
                                                       f"{imports.MAX_ROWS:,} rows.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {imports.MAX_BYTES // (1024 * 1024)} MB: split it.")
        return upload


def keep(user_id: int | None, text: str, name: str) -> str | None:
    """Keep the file's text for the confirmation; its token, or None when the cache is unavailable."""
    token = secrets.token_urlsafe(24)

    def store() -> bool:
        cache.set(CACHE_PREFIX + token, {"user": user_id, "text": text, "name": name}, KEEP_SECONDS)
        return True

    return token if redis_breaker.call(store, False) else None


def kept(user_id: int | None, token: str) -> dict[str, Any] | None:
    """The kept file of `token`, if it is this user's and has not expired."""
    if not token or len(token) > 64:
        return None
    value = redis_breaker.call(lambda: cache.get(CACHE_PREFIX + token), None)
    if not isinstance(value, dict) or user_id is None or value.get("user") != user_id:
        return None
    return value


def forget(token: str) -> None:
    redis_breaker.call(lambda: cache.delete(CACHE_PREFIX + token), None)


def context_of(plan: imports.Plan, **extra: Any) -> dict[str, Any]:
    items = plan.items
    shown = [item for item in items if item.outcome != imports.UNCHANGED][:PREVIEW_ROWS]
    return {
        "plan": plan,
        "counts": plan.counts(),
        "relationship_counts": plan.relationship_counts(),
        "errors": plan.errors()[:PREVIEW_ROWS],
        "error_total": len(plan.errors()),
        "rows": shown,
        "hidden_rows": len([item for item in items if item.outcome != imports.UNCHANGED]) - len(shown),
        "relationships": [entry for entry in plan.relationships if entry.outcome != imports.UNCHANGED][:PREVIEW_ROWS],
        "valid": sum(1 for item in items if item.outcome in (imports.CREATE, imports.UPDATE))
        + sum(1 for entry in plan.relationships if entry.outcome == imports.CREATE),
        "preview_limit": PREVIEW_ROWS,
        **extra,
    }


def page(request: HttpRequest, form: UploadForm, status: int = 200, **extra: Any) -> HttpResponse:
    classes = CIClass.objects.prefetch_related("attributes").order_by("name")
    recent = CIImport.objects.filter(created_by_id=request.user.pk).defer("text")[:5]
    return render(request, "cmdb/import.html", {"form": form, "classes": classes, "recent": recent,
                                                "columns": imports.CSV_COLUMNS,
                                                "relationship_columns": imports.RELATIONSHIP_COLUMNS,
                                                "limits": {"rows": imports.MAX_ROWS}, **extra}, status=status)


@permission_required("cmdb.edit")
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return page(request, UploadForm())
    if request.POST.get("step") == "confirm":
        return confirm(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        text = imports.decode(upload.read())
        plan = imports.run_csv(text, request.user)
    except imports.ImportFileError as exc:
        form.add_error("file", exc.messages)
        return page(request, form, status=400)
    name = str(upload.name or "file.csv").replace("\\", "/").rsplit("/", 1)[-1][:200]
    token = keep(request.user.pk, text, name)
    if token is None:
        form.add_error("file", "The file cannot be kept for the confirmation at the moment: try again shortly.")
        return page(request, form, status=503)
    return render(request, "cmdb/import_preview.html", context_of(plan, token=token, file_name=name))


def confirm(request: HttpRequest) -> HttpResponse:
    """Queue the kept file for a worker (cmdb.import_jobs) and show the job's page."""
    token = request.POST.get("token", "")
    found = kept(request.user.pk, token)
    if found is None:
        return page(request, UploadForm(), status=400,
                    error="This preview has expired or is not yours: upload the file again.")
    try:
        job = import_jobs.queue(request.user, found["text"], found["name"],
                                valid_only=request.POST.get("valid_only") == "on")
    except imports.ImportFileError as exc:
        return page(request, UploadForm(), status=400, error=" ".join(exc.messages))
    forget(token)
    return redirect("agent-cmdb-import-job", job.pk)


@permission_required("cmdb.edit")
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmed import: its progress while a worker writes it (htmx asks for the progress every 2 seconds and
    reloads the page once it is over), then its outcome; a refused one offers (POST) to import its valid rows only.
    Only the person who confirmed it sees it (404 otherwise)."""
    job = get_object_or_404(CIImport.objects.defer("text"), pk=pk, created_by=request.user)
    if request.method == "POST":
        retried = import_jobs.retry_valid_rows(job)
        return redirect("agent-cmdb-import-job", retried.pk if retried else job.pk)
    over = job.state in import_jobs.OVER
    walked = import_jobs.progress(job)
    context = {"job": job, "over": over, "walked": walked, "stale": import_jobs.is_stale(job),
               "percent": round(100 * walked / job.total) if job.total else 100,
               "import_url": reverse("agent-cmdb-import"), "preview_limit": import_jobs.SHOWN}
    if request.headers.get("HX-Request"):
        response = render(request, "cmdb/_import_progress.html", context)
        if over:
            response["HX-Refresh"] = "true"
        return response
    if over:
        context["retryable"] = (job.state == ImportState.REFUSED
                                and CIImport.objects.filter(pk=job.pk).exclude(text="").exists())
        context["written"] = [{"class_name": entry[0], "name": entry[1], "url": graph.ci_url(entry[2]),
                               "graph_url": graph.graph_url(entry[2]), "outcome": imports.OUTCOME_LABELS[entry[3]]}
                              for entry in job.written]
    return render(request, "cmdb/import_job.html", context)
