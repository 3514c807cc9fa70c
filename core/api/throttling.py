"""The API's rate limits, keyed by `core.net.client_ip`, and open when Redis (their counter store) is away.

Rate limits protect the service; they are not worth refusing every call for. When the cache cannot be read
the throttle lets the request through and the Redis circuit breaker skips the cache for a few seconds, so a
request never waits for Redis's connect timeout more than once per few seconds per process.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.request import Request

from core.breaker import CACHE_ERRORS, redis_breaker
from core.net import client_ip


class ResilientThrottleMixin:
    """Fail open on cache errors (see the module docstring); identify anonymous clients by `client_ip`."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if not redis_breaker.allow():
            return True
        try:
            allowed = super().allow_request(request, view)  # type: ignore[misc]
        except CACHE_ERRORS as exc:
            redis_breaker.failure(exc)
            return True
        redis_breaker.success()
        return allowed

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class AnonRateThrottle(ResilientThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ResilientThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ResilientThrottleMixin, throttling.ScopedRateThrottle):
    pass
