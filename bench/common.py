"""What the benchmark scripts share: database URLs, the benchmark users, Django set-up for a bench database."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"  # git-ignored: raw outputs of every run
EXPLAIN_DIR = BENCH_DIR / "explain"  # committed copies of the plans

PG_SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASES = {"10k": "itsm_bench_10k", "1m": "itsm_bench_1m"}

# Every generated user has this password (one PBKDF2 hash computed once, stored on every row).
BENCH_PASSWORD = "bench-Passw0rd-not-secret"
# The users the measurements act as (created by generate.py with these names):
BENCH_AGENT = "agent001"  # member of the largest team (Service Desk) and one mid-sized team
BENCH_MANAGER = "manager1"
BENCH_END_USER = "user00001"  # member of the largest organization, which shares its tickets
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


def database_url(name_or_url: str | None) -> str:
    """A full URL from `10k`, `1m`, a database name or a URL (default: $DATABASE_URL, else the 10k database)."""
    value = name_or_url or os.environ.get("BENCH_DATABASE_URL") or DATABASES["10k"]
    if "://" in value:
        return value
    return f"{PG_SERVER_URL}/{DATABASES.get(value, value)}"


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


def bench_environ(url: str) -> dict[str, str]:
    """Environment for Django (scripts and gunicorn) against a bench database: production-like, DEBUG off."""
    return {
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "AXES_ENABLED": "0",
        "ITSM_BENCH_VIEWS": "1",
        # a per-second window keeps DRF's throttle history short while never throttling the benchmark
        "API_THROTTLE_USER": "100000/s",
        "API_THROTTLE_TOKEN": "1000/min",
        "CACHE_KEY_PREFIX": "itsm-bench",
        "STATIC_ROOT": str(OUT_DIR / "static"),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # persistent connections outlive a measurement (the default 60 s reconnects now and then; same per request)
        "DB_CONN_MAX_AGE": "600",
    }


def setup_django(url: str) -> None:
    """Configure and start Django against the bench database `url` (call once, before importing models)."""
    os.environ.update(bench_environ(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "itsm.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def measure(call: Callable[[], object], runs: int) -> dict[str, float]:
    """Time `call` in-process: 3 warm-ups, then `runs` timed calls (p50 / p90 / max in ms) and the queries of one
    more call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()
    times.sort()
    return {"p50": statistics.median(times), "p90": times[max(0, int(len(times) * 0.9) - 1)], "max": times[-1],
            "queries": len(captured)}


def recreate_database(name: str) -> None:
    """Drop the benchmark database `name` (closing its connections) and create it empty."""
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER_URL}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
