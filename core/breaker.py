"""A small circuit breaker: after a failure, skip a dependency for a few seconds instead of waiting for it.

Used for Redis by the API throttles and by the task outbox: while Redis is away each request would otherwise
wait for a connect timeout. The first failure opens the breaker (one warning in the log); after `reset_after`
seconds one caller is let through to try again; a success closes it (one info line).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

log = logging.getLogger(__name__)
T = TypeVar("T")


class CircuitBreaker:
    """Per-process state of one dependency: closed (use it), open (skip it), half-open (one trial)."""

    def __init__(self, name: str, reset_after: float = 5.0) -> None:
        self.name = name
        self.reset_after = reset_after
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether the caller should try the dependency now."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial_running or time.monotonic() - self._opened_at < self.reset_after:
                return False
            self._trial_running = True
            return True

    def failure(self, exc: BaseException) -> None:
        """Record a failed call: open (or keep open) the breaker."""
        with self._lock:
            if self._opened_at is None:
                log.warning("%s is unreachable (%s): skipping it for %.0fs at a time", self.name, exc,
                            self.reset_after)
            self._opened_at = time.monotonic()
            self._trial_running = False

    def success(self) -> None:
        """Record a successful call: close the breaker."""
        with self._lock:
            if self._opened_at is not None:
                log.info("%s is reachable again", self.name)
            self._opened_at = None
            self._trial_running = False

    def call(self, func: Callable[[], T], default: T) -> T:
        """`func()`, or `default` without trying while the breaker is open, or when `func` raises (then the
        breaker knows). For a dependency whose absence only costs speed (the kept counts, the session copy)."""
        if not self.allow():
            return default
        try:
            value = func()
        except Exception as exc:  # anything on the way: the caller goes on without it
            self.failure(exc)
            return default
        self.success()
        return value

    def reset(self) -> None:
        """Forget the state (tests)."""
        with self._lock:
            self._opened_at = None
            self._trial_running = False


redis_breaker = CircuitBreaker("Redis", reset_after=5.0)
# What a cache call raises when Redis is away (redis-py's errors; a refused or reset connection).
CACHE_ERRORS = (redis.RedisError, OSError)
