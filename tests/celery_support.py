"""Start and stop a real Celery worker process for tests, on the test PostgreSQL and Redis databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from core import health

ROOT = Path(__file__).resolve().parents[1]


def start_worker(name: str = "test", extra_env: dict[str, str] | None = None, timeout: float = 60
                 ) -> subprocess.Popen:
    """A `celery worker` (solo pool) on the test databases; returns once its heartbeat is seen."""
    env = dict(os.environ)
    env["ITSM_TESTING"] = "1"
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL
    env.update(extra_env or {})
    hostname = f"{name}-{os.getpid()}-{time.monotonic_ns()}@localhost"
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "itsm", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=INFO", "--without-mingle", "--without-gossip", "-n", hostname],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    proc.log_path = log.name  # type: ignore[attr-defined]
    key = health.WORKER_KEY.format(hostname=hostname)
    deadline = time.monotonic() + timeout
    client = health.redis_client()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{Path(log.name).read_text()}")
        if client.exists(key):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"worker did not start within {timeout}s:\n{Path(log.name).read_text()}")


def stop_worker(proc: subprocess.Popen, *, kill: bool = False) -> None:
    """SIGTERM (warm shutdown) or SIGKILL the worker and wait for it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
