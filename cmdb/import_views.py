"""The CSV import page (/agent/cmdb/import/, `cmdb.edit`): upload a file, see what it would create, update, leave
unchanged or refuse (each problem by line and column), then confirm.

Between the preview and the confirmation the file's text is kept server-side, in the cache (Redis), under a random
token with an expiry (KEEP_SECONDS), bound to the user who uploaded it: nothing is written to disk, the form carries
only the token, and another user's token finds nothing. The confirmation plans the file again (the CMDB may have
changed meanwhile) and applies it through cmdb.imports.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from cmdb import graph, imports
from cmdb.models import CIClass
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
    return render(request, "cmdb/import.html", {"form": form, "classes": classes,
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
    token = request.POST.get("token", "")
    found = kept(request.user.pk, token)
    if found is None:
        return page(request, UploadForm(), status=400,
                    error="This preview has expired or is not yours: upload the file again.")
    valid_only = request.POST.get("valid_only") == "on"
    try:
        plan = imports.run_csv(found["text"], request.user, commit=True, valid_only=valid_only)
    except imports.ImportFileError as exc:
        return page(request, UploadForm(), status=400, error=" ".join(exc.messages))
    if not plan.applied:
        return render(request, "cmdb/import_preview.html", context_of(
            plan, token=token, file_name=found["name"],
            refused="The file has problems, so nothing was imported: correct them, or import the valid rows only."),
            status=400)
    forget(token)
    return render(request, "cmdb/import_result.html", {
        **context_of(plan, file_name=found["name"]), "import_url": reverse("agent-cmdb-import"),
        "done": [{"item": item, "url": graph.ci_url(item.ci.pk), "graph_url": graph.graph_url(item.ci.pk)}
                 for item in plan.items if item.outcome in (imports.CREATE, imports.UPDATE) and item.ci is not None
                 ][:PREVIEW_ROWS]})
