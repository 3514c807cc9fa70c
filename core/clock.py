"""The one clock of the service functions, so tests (and replays) can inject the time.

Service functions call `clock.now()` instead of `timezone.now()`; `with clock.frozen(instant):` makes every
call inside return `instant` (or the instants of `clock.frozen(start, step)` moving forward).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

_state = threading.local()


def now() -> datetime:
    frozen = getattr(_state, "frozen", None)
    return frozen if frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    """Freeze `now()` at `instant` in this thread for the duration of the block."""
    previous = getattr(_state, "frozen", None)
    _state.frozen = instant
    try:
        yield
    finally:
        _state.frozen = previous


def travel(delta: timedelta) -> None:
    """Move a frozen clock forward by `delta` (inside a `frozen` block)."""
    if getattr(_state, "frozen", None) is None:
        raise RuntimeError("travel() needs a frozen clock")
    _state.frozen += delta
