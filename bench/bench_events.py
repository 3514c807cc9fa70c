"""Event ingestion benchmark (issue 12): a burst of 10,000 Alertmanager alerts (1,000 distinct fingerprints, each
firing 10 times) posted to /api/v1/events/alertmanager/ while a real Celery worker processes them.

    .venv/bin/python bench/bench_events.py                       # (re)creates itsm_bench_events, ~2-4 min
    .venv/bin/python bench/bench_events.py --alerts 2000 --fingerprints 200 --database itsm_bench_events_small

It creates the database (`--database`), migrates it, creates the integration's user and token and 1,000 CIs
(`host-0001`...: each alert's `instance` label names one, with a port), starts a Celery worker (prefork,
`--concurrency` processes) on the bench database and Redis (BENCH_REDIS_URL), then posts every alert as its own
webhook call (`--per-call` alerts per call) through Django's test client in this process, with DEBUG off and the
API token, timing each call (the whole request: authentication, validation, the insert, the outbox row and the
publish to Redis after commit). Then it waits for the worker to drain and checks: every event stored (no loss),
none left waiting, at most one incident per fingerprint (no duplicates), each alert counting its 10 occurrences.
Writes p50 / p90 / p99 / max per call and the drain time to RESULTS-events.md (the issue's target: p99 under
50 ms per webhook call).
`--database-url` (what run_all.sh passes) is accepted and ignored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_DIR, PG_SERVER_URL, ROOT, bench_environ, recreate_database, setup_django

TARGET_P99_MS = 50.0


def payload(i: int, fingerprints: int, per_call: int, base: datetime) -> dict:
    """Webhook call `i`: `per_call` alerts, alert n of the burst being fingerprint n % fingerprints, occurrence
    n // fingerprints (a new start time: a new occurrence, not a repeated notification)."""
    alerts = []
    for n in range(i * per_call, (i + 1) * per_call):
        fp, occurrence = n % fingerprints, n // fingerprints
        alerts.append({
            "status": "firing",
            "labels": {"alertname": "HostDown", "instance": f"host-{fp + 1:04d}:9100", "job": "node",
                       "severity": "critical"},
            "annotations": {"summary": f"host-{fp + 1:04d} does not answer"},
            "startsAt": (base + timedelta(minutes=occurrence)).isoformat().replace("+00:00", "Z"),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": f"{fp:016x}",
        })
    return {"version": "4", "groupKey": "{}:{alertname=\"HostDown\"}", "status": "firing", "receiver": "itsm",
            "groupLabels": {"alertname": "HostDown"}, "commonLabels": {"alertname": "HostDown"},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": alerts}


def start_worker(url: str, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, **bench_environ(url)}
    log = open(BENCH_DIR / "out" / "bench-events-worker.log", "w")  # noqa: SIM115 - the worker writes to it
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "itsm", "worker", f"--concurrency={concurrency}", "--loglevel=WARNING",
         "--without-mingle", "--without-gossip", "-n", f"bench-events-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="itsm_bench_events")
    parser.add_argument("--database-url", default=None, help="ignored (run_all.sh passes it)")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--fingerprints", type=int, default=1_000)
    parser.add_argument("--per-call", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--output", default=str(BENCH_DIR / "RESULTS-events.md"))
    args = parser.parse_args()
    (BENCH_DIR / "out").mkdir(exist_ok=True)
    url = f"{PG_SERVER_URL}/{args.database}"
    recreate_database(args.database)
    setup_django(url)

    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import issue_token
    from cmdb.models import CIClass, ConfigurationItem
    from core import clock
    from core.tasks import ping
    from events.choices import EventState
    from events.models import Alert, Event
    from incidents.models import Incident

    call_command("migrate", verbosity=0)
    user = User.objects.create(username="alertmanager", role=Role.AGENT)
    _token, raw = issue_token(user, "bench")
    server = CIClass.objects.create(name="Server", slug="server")
    now = clock.now()
    ConfigurationItem.objects.bulk_create([
        ConfigurationItem(name=f"host-{i + 1:04d}", ci_class=server, created_at=now, updated_at=now)
        for i in range(args.fingerprints)])

    worker = start_worker(url, args.concurrency)
    try:
        ping.delay("ready").get(timeout=120)
        client = Client(HTTP_AUTHORIZATION=f"Token {raw}")
        calls = args.alerts // args.per_call
        base = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
        for i in range(3):  # warm-up: routes, serializers, connections (alerts outside the burst's fingerprints)
            body = payload(i, args.fingerprints, 1, base)
            body["alerts"][0]["fingerprint"] = f"warmup-{i}"
            client.post("/api/v1/events/alertmanager/", body, content_type="application/json")
        timings: list[float] = []
        started = time.perf_counter()
        for i in range(calls):
            body = payload(i, args.fingerprints, args.per_call, base)
            t0 = time.perf_counter()
            response = client.post("/api/v1/events/alertmanager/", body, content_type="application/json")
            timings.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 202:
                raise SystemExit(f"call {i}: {response.status_code} {response.content[:300]!r}")
        posted = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while Event.objects.filter(state=EventState.RECEIVED).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        drained = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    burst = Event.objects.exclude(fingerprint__startswith="am:warmup-")
    stored, waiting = burst.count(), burst.filter(state=EventState.RECEIVED).count()
    incidents = Incident.objects.filter(alerts__fingerprint__startswith="am:0").distinct().count()
    all_incidents = Incident.objects.count()
    counts = list(Alert.objects.exclude(fingerprint__startswith="am:warmup-").values_list("count", flat=True))
    per_fp = args.alerts // args.fingerprints
    by_state = {s: burst.filter(state=s).count() for s in EventState.values}
    timings.sort()
    p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    ok_loss, ok_dup = stored == args.alerts and waiting == 0, incidents <= args.fingerprints
    ok_counts = all(c == per_fp for c in counts) and len(counts) == args.fingerprints
    lines = [
        "# Event ingestion benchmark (bench/bench_events.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. {args.alerts:,} Alertmanager alerts, {args.fingerprints:,} "
        f"fingerprints ({per_fp} occurrences each), {args.per_call} alert(s) per webhook call, {calls:,} calls "
        f"through Django's test client in one process (DEBUG off, API token), a real Celery worker (prefork, "
        f"{args.concurrency} processes) processing them meanwhile, all on one machine with PostgreSQL and Redis.",
        "",
        "| per webhook call | p50 | p90 | p99 | max | mean |",
        "|---|---|---|---|---|---|",
        f"| ms | {p(0.5):.1f} | {p(0.9):.1f} | {p(0.99):.1f} | {timings[-1]:.1f} | {statistics.mean(timings):.1f} |",
        "",
        f"- Posting took {posted:.1f} s ({calls / posted:,.0f} calls/s); the worker had processed everything "
        f"{drained:.1f} s after the first call ({args.alerts / drained:,.0f} events/s end to end).",
        f"- Events stored: {stored:,} of {args.alerts:,}; left waiting: {waiting} -> "
        f"{'no loss' if ok_loss else 'LOSS'}.",
        f"- Incidents: {incidents:,} for {args.fingerprints:,} fingerprints ({all_incidents:,} with the warm-up's) -> "
        f"{'no duplicates' if ok_dup else 'DUPLICATES'}; every alert counts {per_fp} occurrences: "
        f"{'yes' if ok_counts else 'NO'}.",
        "- Events by state: " + ", ".join(f"{EventState(s).label} {n:,}" for s, n in by_state.items() if n) + ".",
        f"- Target p99 under {TARGET_P99_MS:.0f} ms: {'met' if p(0.99) < TARGET_P99_MS else 'MISSED'}.",
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))
    if not (ok_loss and ok_dup and ok_counts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
