"""Reference data read once per process: the choices of filter panels and pickers (teams, services, categories,
a team's agents) and the SLA calendars the ticket pages show.

Every queue page offers the same reference rows in its filter panel and bulk form: 50 teams, 100 services, the
categories. Reading and instantiating them on each request cost about a fifth of a queue page's Python time at
1M tickets (bench/RESULTS.md). They change rarely (an administrator edits them): saving or deleting a row of a
kept model (or of a model `depends` names) clears this process's copies at once and again when its transaction
commits (a value loaded while it changed is not kept), and the other processes (gunicorn workers, Celery) read
them again within TTL seconds. `bulk_create` and `update()` send no signal: their callers call `clear`. Choices
are only what a select offers: what a form accepts is still checked against the database. The SLA engine never
reads its calendars from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import Team, User

TTL = 60.0  # seconds another process may show a renamed, added or removed row

Choices = list[tuple[Any, Any]]  # (value, label), or (value, anything) for lookups
_cache: dict[tuple[str, str], tuple[float, Any]] = {}
_parts: dict[str, str] = {}  # a model's label -> the label of the model whose values it is part of
_epoch = 0  # how many times kept values were forgotten (a value loaded across a change is not kept)


def value(model: type[models.Model], name: str, load: Callable[[], Any]) -> Any:
    """What `load` returns for `model` (under `name`), from this process's copy when it is fresh. The value is
    shared: callers must not change it."""
    label = model._meta.label
    key = (label, name)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    _watch(model)
    epoch = _epoch
    loaded = load()
    if _epoch == epoch:  # nothing changed while it loaded (else the next call reads it again)
        _cache[key] = (now, loaded)
    return loaded


def choices(model: type[models.Model], name: str, load: Callable[[], Choices]) -> Choices:
    """The choices `load` returns for `model` (under `name`), from this process's copy when it is fresh."""
    return cast(Choices, value(model, name, lambda: list(load())))


def rows(model: type[models.Model]) -> dict[Any, models.Model]:
    """Every row of a small reference table (teams, services, categories) by primary key, kept like the choices;
    a reference to its own table (a category's parent) points at the kept row. Shared: `attach` copies them."""
    def load() -> dict[Any, models.Model]:
        kept = {row.pk: row for row in model._base_manager.all()}
        own: list[Any] = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is model]
        for row in kept.values():
            for field in own:
                target = kept.get(getattr(row, field.attname))
                if target is not None:
                    field.set_cached_value(row, target)
        return kept
    return cast(dict[Any, models.Model], value(model, "rows", load))


def _copy(row: models.Model) -> models.Model:
    """A copy of a kept row, as from the database: its own attributes and state (a tenth of copy.copy's cost); a
    reference it holds to another kept row (a category's parent) is shared."""
    clone = row.__class__.__new__(row.__class__)
    clone.__dict__.update(row.__dict__)
    state = clone._state = models.base.ModelState()
    state.db, state.adding = row._state.db, False
    state.fields_cache = dict(row._state.fields_cache)
    return clone


def attach(objects: list[Any], names: tuple[str, ...]) -> None:
    """Set the foreign keys `names` of `objects` (model instances) to copies of kept rows, instead of a join or a
    query each: one copy per kept row and call, so a request that changes one changes no other request's. A row
    this process does not keep yet (created in another process within TTL) is read from the database."""
    if not objects or not names:
        return
    meta = objects[0]._meta
    for name in names:
        field = cast(Any, meta.get_field(name))
        target = field.related_model
        kept = rows(target)
        copies: dict[Any, models.Model] = {}
        missing = {getattr(o, field.attname) for o in objects} - set(kept) - {None}
        if missing:
            copies.update({row.pk: row for row in target._base_manager.filter(pk__in=missing)})
        for obj in objects:
            pk = getattr(obj, field.attname)
            if pk is None:
                field.set_cached_value(obj, None)
                continue
            row = copies.get(pk)
            if row is None:
                row = copies[pk] = _copy(kept[pk])
            field.set_cached_value(obj, row)


def depends(model: type[models.Model], *parts: type[models.Model]) -> None:
    """Values kept for `model` also go stale when a row of `parts` changes (e.g. a schedule's hours)."""
    for part in parts:
        _parts[part._meta.label] = model._meta.label
        _watch(part)


def model_choices(field: Any, name: str) -> Choices:
    """A model choice field's options as (id as text, label), without its empty choice, cached under `name` for
    its queryset's model (a name per queryset: two fields of one model may offer different rows)."""
    return choices(field.queryset.model, name,
                   lambda: [(str(option), label) for option, label in field.choices if str(option) != ""])


def _forget(labels: list[str] | None) -> None:
    global _epoch
    _epoch += 1
    for key in [k for k in list(_cache) if labels is None or k[0] in labels]:
        _cache.pop(key, None)


def clear(sender: Any = None, **kwargs: Any) -> None:
    """Forget the kept values of `sender` and of the model it is part of (every model's when None), now and when
    the current transaction commits (a request reading meanwhile would keep the rows from before the change).
    Call it after a `bulk_create` or `update()` of a kept model: those send no signal."""
    label = getattr(getattr(sender, "_meta", None), "label", None)
    labels = None if label is None else [label, *([_parts[label]] if label in _parts else [])]
    _forget(labels)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _forget(labels))


def _changed(sender: Any, **kwargs: Any) -> None:
    clear(sender)


def _watch(model: type[models.Model]) -> None:
    """Forget `model`'s kept values when one of its rows is saved or deleted. Connected per model as values get
    kept: a receiver for every model would turn off Django's fast deletes everywhere."""
    label = model._meta.label
    post_save.connect(_changed, sender=model, dispatch_uid=f"reference_cache.saved.{label}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"reference_cache.deleted.{label}")


def _members_changed(sender: Any, action: str, **kwargs: Any) -> None:
    """A team's members changed: the lists of a team's agents are stale."""
    if action.startswith("post_"):
        clear(User)


m2m_changed.connect(_members_changed, sender=Team.members.through, dispatch_uid="core.reference_cache.members")
