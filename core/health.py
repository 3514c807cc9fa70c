"""Health of the moving parts: the database, Redis, the Celery worker and beat.

Workers publish a heartbeat to Redis every few seconds (a thread started when the worker is ready, see
core.signals); beat runs `core.tasks.scheduler_heartbeat`, which a worker executes, so the scheduler's
heartbeat proves beat, broker and a worker together. `/healthz` reads them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import psycopg2
import redis
from django.conf import settings
from django.db import connection

WORKER_KEY = "itsm:health:worker:{hostname}"
WORKER_PATTERN = "itsm:health:worker:*"
SCHEDULER_KEY = "itsm:health:scheduler"
HEARTBEAT_INTERVAL = 5


def redis_client(timeout: float = 2.0) -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)


def record_worker_heartbeat(hostname: str, client: redis.Redis | None = None) -> None:
    client = client or redis_client()
    client.set(WORKER_KEY.format(hostname=hostname), str(time.time()), ex=settings.WORKER_HEARTBEAT_MAX_AGE)


def record_scheduler_heartbeat() -> None:
    redis_client().set(SCHEDULER_KEY, str(time.time()), ex=settings.WORKER_HEARTBEAT_MAX_AGE)


class WorkerHeartbeat:
    """A daemon thread in the worker's main process that refreshes its heartbeat key until stopped."""

    def __init__(self, hostname: str | None = None) -> None:
        self.hostname = hostname or socket.gethostname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="itsm-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(redis.RedisError):
            redis_client().delete(WORKER_KEY.format(hostname=self.hostname))

    def _run(self) -> None:
        client = redis_client()
        while not self._stop.is_set():
            # When Redis is down, /healthz says so; keep trying.
            with contextlib.suppress(redis.RedisError):
                record_worker_heartbeat(self.hostname, client)
            self._stop.wait(HEARTBEAT_INTERVAL)


def check_database() -> tuple[bool, str]:
    """Open a fresh connection (not the pooled one) and run a query."""
    params = connection.get_connection_params()
    params["connect_timeout"] = 3
    try:
        conn = psycopg2.connect(**params)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
        finally:
            conn.close()
    except psycopg2.Error as exc:
        return False, f"unreachable: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    try:
        redis_client().ping()
    except redis.RedisError as exc:
        return False, f"unreachable: {exc}"
    return True, "ok"


def check_worker() -> tuple[bool, str]:
    """At least one worker heartbeat younger than WORKER_HEARTBEAT_MAX_AGE (the keys expire after it)."""
    try:
        client = redis_client()
        keys = list(client.scan_iter(match=WORKER_PATTERN, count=100))
    except redis.RedisError:
        return False, "unknown: Redis is unreachable"
    if not keys:
        return False, f"no worker heartbeat in the last {settings.WORKER_HEARTBEAT_MAX_AGE}s"
    return True, f"ok ({len(keys)} worker{'s' if len(keys) != 1 else ''})"


def check_scheduler() -> tuple[bool, str]:
    try:
        seen = redis_client().get(SCHEDULER_KEY)
    except redis.RedisError:
        return False, "unknown: Redis is unreachable"
    if seen is None:
        return False, f"no scheduler (beat) heartbeat in the last {settings.WORKER_HEARTBEAT_MAX_AGE}s"
    return True, "ok"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
    "scheduler": check_scheduler,
}


def run_checks() -> dict[str, dict[str, object]]:
    results = {}
    for name, check in CHECKS.items():
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail}
    return results
