"""The fault test: Redis, then PostgreSQL, "stopped" under a bounded load; the API keeps its promises.

A gunicorn process serves the app through two TCP proxies (tests/fault_proxy.py) in front of the real Redis
and PostgreSQL; the test makes each proxy drop and refuse connections for a few seconds. A few client threads
create incidents and comments with Idempotency-Keys, retrying on 5xx and connection errors, as a careful
integration would. Afterwards: every acknowledged create exists exactly once, nothing was created twice,
during the Redis outage the API answered 2xx, during the PostgreSQL outage 503 with a JSON body, it recovered
without a restart, and the tasks queued during the Redis outage reached the broker once it was back.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import issue_token
from core import health, outbox
from core.models import JournalEntry, OutboxTask
from incidents.models import Incident
from tests.fault_proxy import FaultProxy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
THREADS = 3
# seconds from the start of the load
REDIS_DOWN, REDIS_UP, DB_DOWN, DB_UP, LOAD_END = 2.0, 7.0, 9.0, 14.0, 17.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    redis: FaultProxy
    db: FaultProxy
    log_path: str


@pytest.fixture
def server():
    """gunicorn on the test database and Redis, each reached through a FaultProxy."""
    db = connection.settings_dict
    redis_url = urlsplit(settings.REDIS_URL)
    with FaultProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as db_proxy, \
            FaultProxy(redis_url.hostname, redis_url.port or 6379) as redis_proxy:
        port = free_port()
        env = {
            **os.environ, "ITSM_TESTING": "1", "DEBUG": "0", "DB_CONNECT_TIMEOUT": "2",
            "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{db_proxy.port}/{db['NAME']}",
            "REDIS_URL": urlunsplit(redis_url._replace(netloc=f"127.0.0.1:{redis_proxy.port}")),
            "API_THROTTLE_USER": "100000/min",
        }
        env.pop("CELERY_BROKER_URL", None)
        log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "itsm.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--worker-class", "gthread", "--threads", "8", "--timeout", "60",
             "--graceful-timeout", "2", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, Path(log.name).read_text()
                try:
                    status, _, _ = call(port, "GET", "/healthz")
                    if status in (200, 503):
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not start:\n" + Path(log.name).read_text()
                time.sleep(0.2)
            yield Server(port, redis_proxy, db_proxy, log.name)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def call(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@dataclass
class Outcome:
    sent: float
    received: float
    kind: str
    status: int  # 0: connection error
    json_body: bool


@dataclass
class Load:
    """Client threads creating incidents and comments with Idempotency-Keys, retrying until acknowledged."""

    port: int
    token: str
    start: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    incidents: dict[str, str] = field(default_factory=dict)  # title -> number, acknowledged
    comments: dict[str, int] = field(default_factory=dict)  # body -> id, acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.start

    def until_acknowledged(self, kind: str, path: str, body: dict) -> dict:
        """POST with one key until a 2xx; every attempt's outcome is recorded."""
        headers = {"Authorization": f"Token {self.token}", "Idempotency-Key": str(uuid.uuid4())}
        while True:
            sent = self.now()
            try:
                status, response_headers, raw = call(self.port, "POST", path, body, headers)
            except OSError:
                status, response_headers, raw = 0, {}, b""
            is_json = response_headers.get("content-type", "").startswith("application/json")
            with self.lock:
                self.outcomes.append(Outcome(sent, self.now(), kind, status, is_json))
            if 200 <= status < 300:
                return json.loads(raw)
            assert status in (0, 503), f"{kind}: unexpected {status}: {raw[:300]!r}"
            time.sleep(0.2)

    def read(self) -> None:
        sent = self.now()
        try:
            status, headers, _ = call(self.port, "GET", "/api/v1/incidents/?limit=5",
                                      headers={"Authorization": f"Token {self.token}"})
        except OSError:
            status, headers = 0, {}
        with self.lock:
            self.outcomes.append(Outcome(sent, self.now(), "read", status,
                                         headers.get("content-type", "").startswith("application/json")))

    def client(self, index: int) -> None:
        i = 0
        while not self.stop.is_set():
            title = f"fault {index}-{i}"
            incident = self.until_acknowledged("incident", "/api/v1/incidents/", {"title": title})
            with self.lock:
                self.incidents[title] = incident["number"]
            text = f"reply {index}-{i}"
            comment = self.until_acknowledged("comment", f"/api/v1/incidents/{incident['number']}/comments/",
                                              {"body": text})
            with self.lock:
                self.comments[text] = comment["id"]
            self.read()
            i += 1


def within(outcomes: list[Outcome], start: float, end: float) -> list[Outcome]:
    return [o for o in outcomes if o.sent >= start and o.received < end]


def queued_notification_entries() -> list[int]:
    """Journal entry ids of the notification tasks waiting in the broker's default queue."""
    entries = []
    for raw in health.redis_client().lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == "incidents.tasks.send_incident_notification":
            entries.append(json.loads(__import__("base64").b64decode(message["body"]))[0][2])
    return entries


def test_the_api_survives_redis_then_postgresql_going_away(server, requester_a):
    _, token = issue_token(requester_a, "fault test")
    load = Load(server.port, token)
    threads = [threading.Thread(target=load.client, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    health_seen: list[tuple[float, int, dict]] = []

    def check_health() -> None:
        started = time.monotonic()
        status, _, raw = call(server.port, "GET", "/healthz")
        health_seen.append((time.monotonic() - started, status, json.loads(raw)))

    schedule = [(REDIS_DOWN, server.redis.down), (REDIS_DOWN + 1, check_health), (REDIS_UP, server.redis.up),
                (DB_DOWN, server.db.down), (DB_DOWN + 1, check_health), (DB_UP, server.db.up),
                (LOAD_END, load.stop.set)]
    for moment, action in schedule:
        time.sleep(max(0.0, moment - load.now()))
        action()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a client never got its write acknowledged"
    log = Path(server.log_path).read_text()

    outcomes = load.outcomes
    assert all(o.status != 500 for o in outcomes), log
    # Redis away: reads and writes kept answering 2xx
    during_redis = within(outcomes, REDIS_DOWN + 0.1, REDIS_UP)
    assert len(during_redis) >= 3 and all(200 <= o.status < 300 for o in during_redis), (during_redis, log)
    # PostgreSQL away: 503 with a JSON body, never a 500 page (nor a dropped connection)
    during_db = within(outcomes, DB_DOWN + 0.1, DB_UP)
    assert during_db and all(o.status == 503 and o.json_body for o in during_db), (during_db, log)
    # recovered without a restart
    after = [o for o in outcomes if o.sent >= DB_UP + 1.0]
    assert after and all(200 <= o.status < 300 for o in after), after

    # /healthz named what was down, promptly
    (redis_took, redis_status, redis_body), (db_took, db_status, db_body) = health_seen
    assert redis_status == 503 and "redis" in redis_body["down"] and redis_took < 10
    assert db_status == 503 and "database" in db_body["down"] and db_took < 10

    # every acknowledged write exists exactly once; retries doubled nothing
    titles = Counter(Incident.objects.filter(title__startswith="fault ").values_list("title", flat=True))
    assert titles and max(titles.values()) == 1
    assert set(titles) == set(load.incidents)
    assert dict(Incident.objects.filter(title__in=titles).values_list("title", "number")) == load.incidents
    bodies = Counter(JournalEntry.objects.filter(body__startswith="reply ").values_list("body", flat=True))
    assert max(bodies.values()) == 1 and set(bodies) == set(load.comments)

    # tasks written while Redis was away waited in the outbox, and reach the broker now that it is back
    assert OutboxTask.objects.exists()
    outbox.drain()
    assert not OutboxTask.objects.exists()
    queued = Counter(queued_notification_entries())
    assert set(load.comments.values()) <= set(queued)
