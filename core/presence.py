"""Who else has a ticket open: "Noor Network is also viewing (editing) this ticket".

Each open ticket page posts a heartbeat every 20 seconds (core.views_presence) saying whether its user is
typing in one of the page's forms; the heartbeats live in Redis (one hash per ticket, user id -> name, editing,
time), expire on their own, and are read back by the same request. A nicety, not a lock: when Redis is away the
notice is simply empty, and the version check still refuses a stale save.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

FRESH_SECONDS = 45  # a heartbeat older than this is someone who left (the page beats every 20 s)
KEY_TTL_SECONDS = 120


@dataclass(frozen=True)
class Viewer:
    """Someone else on the ticket's page, and whether they are typing in it."""

    user_id: int
    name: str
    editing: bool

    @property
    def pk(self) -> int:  # read like a user by the avatar tag
        return self.user_id

    @property
    def display_name(self) -> str:
        return self.name


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def _key(ticket_id: int) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'itsm')}:presence:{ticket_id}"


def beat(ticket_id: int, user: Any, *, editing: bool, now: float | None = None) -> list[Viewer]:
    """Record that `user` has the ticket open (and whether they are editing); return the others there now."""
    now = time.time() if now is None else now
    key = _key(ticket_id)
    try:
        client = _client(settings.REDIS_URL)
        pipe = client.pipeline()
        pipe.hset(key, str(user.pk), json.dumps({"name": user.display_name, "editing": editing, "at": now}))
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.hgetall(key)
        rows = pipe.execute()[-1]
    except (redis.RedisError, OSError):
        return []
    others = []
    stale = []
    for raw_id, raw in rows.items():
        user_id = int(raw_id)
        data = json.loads(raw)
        if now - float(data["at"]) > FRESH_SECONDS:
            stale.append(raw_id)
        elif user_id != user.pk:
            others.append(Viewer(user_id, str(data["name"]), bool(data["editing"])))
    if stale:
        with contextlib.suppress(redis.RedisError, OSError):
            _client(settings.REDIS_URL).hdel(key, *stale)
    return sorted(others, key=lambda viewer: (not viewer.editing, viewer.name))


def leave(ticket_id: int, user: Any) -> None:
    """Forget `user` on the ticket (they closed its page)."""
    with contextlib.suppress(redis.RedisError, OSError):
        _client(settings.REDIS_URL).hdel(_key(ticket_id), str(user.pk))
