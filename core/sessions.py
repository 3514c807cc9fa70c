"""Sessions read from Redis and written through to PostgreSQL (Django's cached_db), so a signed-in page does not
query the session table; while Redis is away (core.breaker), the database alone, as before.

Every page of a signed-in user reads its session: from Redis that is one round trip without SQL to build. The
database stays the record (a Redis restart loses nothing: the next read fills the cache again). A sign-out
replaces the copy with a mark (DELETED), so a request that read the row a moment before cannot put it back; a copy
lives at most CACHE_SECONDS, so if Redis missed a sign-out (a failed call) the old session dies with it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import cached_db, db

from core.breaker import redis_breaker

CACHE_SECONDS = 300
DELETED = "deleted"  # in place of a signed-out session's copy, for CACHE_SECONDS


class SessionStore(cached_db.SessionStore):
    """cached_db, but a Redis failure falls back to the database instead of failing the request."""

    _cache: Any  # Django's, not in its type stubs
    _session: Any
    _session_key: Any
    _get_session_from_db: Any

    def _seconds(self, expiry: Any = None) -> int:
        return min(CACHE_SECONDS, self.get_expiry_age(expiry=expiry) if expiry else self.get_expiry_age())

    def load(self) -> dict[str, Any]:
        data = redis_breaker.call(lambda: self._cache.get(self.cache_key), None)
        if isinstance(data, dict):
            return data
        if data == DELETED:  # signed out (or flushed) a moment ago: the row is gone too
            self._session_key = None  # as Django does for a key without a row: a new one if anything is saved
            return {}
        session = self._get_session_from_db()
        if not session:
            return {}
        data = self.decode(session.session_data)
        # `add`: a sign-out that deleted the row meanwhile left its mark, which this must not overwrite
        redis_breaker.call(lambda: self._cache.add(self.cache_key, data, self._seconds(session.expire_date)), None)
        return data

    def exists(self, session_key: str | None) -> bool:
        key = self.cache_key_prefix + (session_key or "")
        return bool(session_key) and (isinstance(redis_breaker.call(lambda: self._cache.get(key), None), dict)
                                      or db.SessionStore.exists(self, session_key or ""))

    def save(self, must_create: bool = False) -> None:
        db.SessionStore.save(self, must_create)
        redis_breaker.call(lambda: self._cache.set(self.cache_key, self._session, self._seconds()), None)

    def delete(self, session_key: str | None = None) -> None:
        db.SessionStore.delete(self, session_key)
        key = session_key or self.session_key
        if key is None:
            return
        # whatever the breaker says (a sign-out must reach Redis if it can), and as a mark rather than a removal:
        # a request that read the row just before cannot put the session back
        try:
            self._cache.set(self.cache_key_prefix + key, DELETED, CACHE_SECONDS)
        except Exception as exc:  # Redis away: its copy dies within CACHE_SECONDS
            redis_breaker.failure(exc)
