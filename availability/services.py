"""The managers' writes of outages: record one by hand, adjust one (its start, end, severity, description), delete
a false one. Each is journaled (availability.models.OutageChange: who, when, what) in the same transaction; an
outage a person adjusted is no longer moved by its incident (availability.recording)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from availability.choices import Severity, Source
from availability.models import Outage, OutageChange
from catalog.models import Service
from core import clock, limits

EDITABLE = ("start", "end", "severity", "description")
LABELS = {"start": "start", "end": "end", "severity": "severity", "description": "description"}


def _words(name: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)" if name != "end" else "ongoing"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if name == "severity":
        return str(Severity(value).label)
    return str(value)[:80]


def validate(data: dict[str, Any], now: datetime) -> None:
    """Refuse, naming the field: an end not after the start, a start in the future, an unknown severity."""
    errors: dict[str, list[str]] = {}
    start, end = data.get("start"), data.get("end")
    if start is None:
        errors["start"] = ["Give the time the outage began."]
    elif start > now:
        errors["start"] = ["An outage cannot begin in the future."]
    if start is not None and end is not None and end <= start:
        errors["end"] = ["The end must be after the start (leave it empty while the outage lasts)."]
    if data.get("severity") not in Severity.values:
        errors["severity"] = [f"Choose one of: {', '.join(Severity.labels)}."]
    if errors:
        raise ValidationError(errors)
    limits.check_texts({"description": data.get("description") or ""})


@transaction.atomic
def record(actor: Any, service: Service, data: dict[str, Any]) -> Outage:
    """An outage recorded by hand (a manager's), journaled."""
    now = clock.now()
    data = {"severity": Severity.FULL, "description": "", "end": None, **data}
    validate(data, now)
    outage = Outage.objects.create(service=service, start=data["start"], end=data["end"], severity=data["severity"],
                                   description=data["description"], source=Source.MANUAL, adjusted=True,
                                   created_at=now, created_by=actor, updated_at=now, updated_by=actor)
    OutageChange.objects.create(outage=outage, service=service, actor=actor, at=now, action="created",
                                summary=f"Recorded by hand: from {_words('start', outage.start)} to "
                                        f"{_words('end', outage.end)}.")
    return outage


@transaction.atomic
def update(actor: Any, outage: Outage, data: dict[str, Any]) -> Outage:
    """Adjust an outage (any of EDITABLE); journaled field by field; from now on its incident leaves it alone."""
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    now = clock.now()
    merged = {name: data.get(name, getattr(outage, name)) for name in EDITABLE}
    merged["description"] = merged["description"] or ""
    validate(merged, max(now, outage.start))
    changed = [name for name in EDITABLE if merged[name] != getattr(outage, name)]
    if not changed:
        return outage
    summary = "; ".join(f"{LABELS[n]} from {_words(n, getattr(outage, n))} to {_words(n, merged[n])}"
                        for n in changed if n != "description")
    if "description" in changed:
        summary = f"{summary}; description edited" if summary else "description edited"
    for name in changed:
        setattr(outage, name, merged[name])
    outage.adjusted, outage.updated_at, outage.updated_by = True, now, actor
    outage.save()
    OutageChange.objects.create(outage=outage, service_id=outage.service_id, actor=actor, at=now, action="changed",
                                summary=f"Changed {summary}."[:500])
    return outage


@transaction.atomic
def delete(actor: Any, outage: Outage) -> None:
    """Delete a false outage; the journal keeps that it was (and who deleted it)."""
    now = clock.now()
    OutageChange.objects.create(outage=outage, service_id=outage.service_id, actor=actor, at=now, action="deleted",
                                summary=f"Deleted the outage from {_words('start', outage.start)} to "
                                        f"{_words('end', outage.end)}"
                                        f"{f' ({outage.incident.number})' if outage.incident is not None else ''}.")
    outage.delete()
