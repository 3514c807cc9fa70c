"""The capped counts of ticket lists, kept in Redis until a ticket changes (or COUNT_TTL seconds).

A queue page or an API list counts its matching tickets (up to COUNT_CAP + 1, core.pagination) on every request.
At a million tickets that count is the largest SQL item of those requests: 10-50 ms where the page's rows take
1-3 ms, because the access rule of an agent in a big team reads hundreds of thousands of index entries
(bench/RESULTS.md). People reload their queues far more often than the tickets change, so the count is kept:

- under the count query's SQL and parameters (so the user, their teams and watched tickets, the filters and the
  kind are all part of the key: two people never share a count unless they would compute the same one);
- within the current *generation* of the ticket data: every write that can change which tickets a list holds
  (a ticket saved or deleted, a watcher, a link, a team membership, a user's role or organization, an
  organization's sharing, the SLA due time) starts a new generation, at once and again when its transaction
  commits (a count read meanwhile from the old data cannot outlive the commit);
- for at most COUNT_TTL seconds: filters that move with time alone ("SLA breached", "opened in the last day")
  are never more than that late.

The rows of a page are never cached: only the figure "N incidents · page 2 of 7". Without Redis (breaker open),
lists count in SQL as before.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.breaker import redis_breaker

COUNT_TTL = 30  # seconds
GENERATION_KEY = "tickets:generation"


def _generation() -> int:
    """The current generation (a fresh random one when Redis lost it, so no old count matches)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, secrets.randbits(48), timeout=None)
        value = cache.get(GENERATION_KEY)
    return int(value or 0)


def generation() -> int | None:
    """The current generation of the ticket data, or None when Redis does not answer (then nothing may be kept
    under it). Values kept under a generation (counts here, a user's access-rule inputs in core.models) are
    current as long as it is."""
    return redis_breaker.call(_generation, None)


def cached_count(sql: str, params: Any, count: Callable[[], int]) -> int:
    """The count of the query `sql` with `params`, from Redis when this generation already counted it, else
    `count()` (then kept)."""
    current = generation()
    if current is None:  # Redis away: count in SQL
        return count()
    digest = hashlib.sha1(repr((sql, tuple(params))).encode(), usedforsecurity=False).hexdigest()
    key = f"tickets:count:{current}:{digest}"
    value = redis_breaker.call(lambda: cache.get(key), None)
    if value is not None:
        return int(value)
    value = count()
    redis_breaker.call(lambda: cache.set(key, value, timeout=COUNT_TTL), None)
    return value


missed_bumps = 0  # changes of this process that could not start a new generation (what is kept must be re-read)


def _incr() -> bool:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or Redis lost it): any random one differs from the old
        cache.add(GENERATION_KEY, secrets.randbits(48), timeout=None)
    return True


def _bump() -> None:
    global missed_bumps
    if not redis_breaker.call(_incr, False):  # Redis away: no count is read from it until it answers again
        missed_bumps += 1


def change_pending() -> bool:
    """Whether the current transaction changed ticket data that is not committed yet (it may be rolled back:
    nothing read in it may be kept under the current generation)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        func is _bump for _savepoints, func, *_rest in connection.run_on_commit)


def tickets_changed() -> None:
    """Start a new generation of the ticket data at once (the writer's own next count, in its transaction, sees
    its change) and again when the transaction commits (a count read by someone else before the commit, from the
    old data, stays under a generation nobody reads after it)."""
    _bump()
    if transaction.get_connection().in_atomic_block and not change_pending():  # once per transaction
        transaction.on_commit(_bump)


def _changed(sender: Any, **kwargs: Any) -> None:
    tickets_changed()


def watch(model: type[Any]) -> None:
    """Start a new generation whenever a row of `model` is saved or deleted (a ticket kind's model, watchers,
    links). Connected per model: a receiver for every model would turn off Django's fast deletes everywhere."""
    label = model._meta.label
    post_save.connect(_changed, sender=model, dispatch_uid=f"count_cache.saved.{label}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"count_cache.deleted.{label}")
