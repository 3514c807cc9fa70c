"""Reference data read once per process: the choices of filter panels and pickers (teams, services, categories,
a team's agents) and the SLA calendars the ticket pages show.

Every queue page offers the same reference rows in its filter panel and bulk form: 50 teams, 100 services, the
categories. Reading and instantiating them on each request cost about a fifth of a queue page's Python time at
1M tickets (bench/RESULTS.md). They change rarely (an administrator edits them): saving or deleting a row of a
kept model (or of a model `depends` names) clears this process's copies at once, and the other processes
(gunicorn workers, Celery) read them again within TTL seconds. Choices are only what a select offers: what a
form accepts is still checked against the database. The SLA engine never reads its calendars from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import Team, User

TTL = 60.0  # seconds another process may show a renamed, added or removed row

Choices = list[tuple[Any, Any]]  # (value, label), or (value, anything) for lookups
_cache: dict[tuple[str, str], tuple[float, Any]] = {}
_parts: dict[str, str] = {}  # a model's label -> the label of the model whose values it is part of


def value(model: type[models.Model], name: str, load: Callable[[], Any]) -> Any:
    """What `load` returns for `model` (under `name`), from this process's copy when it is fresh. The value is
    shared: callers must not change it."""
    key = (model._meta.label, name)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    loaded = load()
    _cache[key] = (now, loaded)
    return loaded


def choices(model: type[models.Model], name: str, load: Callable[[], Choices]) -> Choices:
    """The choices `load` returns for `model` (under `name`), from this process's copy when it is fresh."""
    return cast(Choices, value(model, name, lambda: list(load())))


def depends(model: type[models.Model], *parts: type[models.Model]) -> None:
    """Values kept for `model` also go stale when a row of `parts` changes (e.g. a schedule's hours)."""
    for part in parts:
        _parts[part._meta.label] = model._meta.label


def model_choices(field: Any, name: str) -> Choices:
    """A model choice field's options as (id as text, label), without its empty choice, cached under `name` for
    its queryset's model (a name per queryset: two fields of one model may offer different rows)."""
    return choices(field.queryset.model, name,
                   lambda: [(str(option), label) for option, label in field.choices if str(option) != ""])


def clear(sender: Any = None, **kwargs: Any) -> None:
    """Forget the cached choices of `sender` (every model's when None)."""
    label = getattr(getattr(sender, "_meta", None), "label", None)
    for key in [k for k in list(_cache) if label is None or k[0] == label]:
        _cache.pop(key, None)


def _changed(sender: Any, **kwargs: Any) -> None:
    label = sender._meta.label
    owner = _parts.get(label)
    for key in [k for k in list(_cache) if k[0] in (label, owner)]:
        _cache.pop(key, None)


def _members_changed(sender: Any, action: str, **kwargs: Any) -> None:
    """A team's members changed: the lists of a team's agents are stale."""
    if action.startswith("post_"):
        clear(User)


post_save.connect(_changed, dispatch_uid="core.reference_cache.saved")
post_delete.connect(_changed, dispatch_uid="core.reference_cache.deleted")
m2m_changed.connect(_members_changed, sender=Team.members.through, dispatch_uid="core.reference_cache.members")
