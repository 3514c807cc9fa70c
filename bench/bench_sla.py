"""SLA benchmarks on the 1M database (after bench/sla_generate.py): dashboard, sweep claim query, 10k breaches at once.

    .venv/bin/python bench/bench_sla.py                       # everything; writes bench/RESULTS-sla.md
    .venv/bin/python bench/bench_sla.py --only report,claim   # a subset (the other sections keep their last figures)

a. report: sla.report.report(manager, 30d) in-process (2 warm-ups + N runs: p50/p90/max), each figure alone, the
   page GET /manager/sla/?period=30d (django.test.Client, force_login), and EXPLAIN (ANALYZE, BUFFERS) of every
   query of the report -> bench/explain/sla-report-*.txt.
b. claim: EXPLAIN (ANALYZE, BUFFERS) of sla.sweep.claim_due(now) when nothing is due (in a transaction rolled back)
   -> bench/explain/sla-claim-nothing-due.txt, must use sla_timer_due; and record_due(now) end to end.
c. breach: 10,000 in-progress timers moved past their due time (their 50/75 warnings marked as already recorded),
   the bench definitions get actions {"100": ["notify_assignee"]}; ONE real Celery worker (--pool=solo) runs
   sla.tasks.sweep; time until all 10,000 have their breach event with actions_done; exactly-once check; then the
   timers, events, notifications and definitions are put back as they were.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
EXPLAIN_DIR = BENCH / "explain"
OUT_DIR = BENCH / "out"
RESULTS = BENCH / "RESULTS-sla.md"
STATE = OUT_DIR / "sla-results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/itsm_bench_1m"
REDIS_URL = "redis://127.0.0.1:6379/6"
MANAGER = "manager1"
N_BREACH = 10_000
BACKUP_TABLE = "bench_sla_backup"
SLOW_MS = 100.0  # a figure slower than this is "slow"


def environ(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": REDIS_URL, "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "DJANGO_SETTINGS_MODULE": "itsm.settings",
        "AXES_ENABLED": "0", "LOG_LEVEL": "WARNING",
    }


def setup(url: str) -> None:
    os.environ.update(environ(url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"p50": ms(statistics.median(ordered)), "p90": ms(p90), "max": ms(ordered[-1]), "n": len(ordered)}


def timed(fn, runs: int, warmups: int = 2) -> list[float]:
    for _ in range(warmups):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def explain(sql: str, params) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)  # FOR UPDATE locks (claim query): never kept
    return text


def execution_ms(plan: str) -> float:
    match = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(match.group(1)) if match else float("nan")


# --- a. the dashboard -------------------------------------------------------------------------------------------

def bench_report(runs: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from sla import report

    manager = User.objects.get(username=MANAGER)
    period = report.parse_period("30d")
    out: dict = {}
    out["report"] = stats(timed(lambda: report.report(manager, period), runs))
    with CaptureQueriesContext(connection) as ctx:
        report.report(manager, period)
    out["report_queries"] = len(ctx.captured_queries)
    print(f"report(): {out['report']} ({out['report_queries']} queries)")

    # "completed": the one query of the compliance tables, the headline and the business means; "mean_times":
    # its wall-clock half (two queries), given the completed timers' figures
    completed = report.completed(manager, period)
    figures = {
        "completed": lambda: report.completed(manager, period),
        "breaches_over_time": lambda: report.breaches_over_time(manager, period),
        "at_risk_count": lambda: report.at_risk_count(manager),
        "mean_times": lambda: report.mean_times(manager, period, figures=completed),
        "backlog_by_age": lambda: report.backlog_by_age(manager),
    }
    out["figures"] = {}
    for name, fn in figures.items():
        samples = timed(fn, 5, warmups=1)
        with CaptureQueriesContext(connection) as ctx:
            fn()
        plans = []
        for i, q in enumerate(ctx.captured_queries):
            plan = explain(q["sql"], None)
            path = EXPLAIN_DIR / f"sla-report-{name.replace('_', '-')}{'-' + str(i + 1) if i else ''}.txt"
            path.write_text(f"-- figure {name} of sla.report.report(manager, 30d)\n{q['sql']}\n\n{plan}\n")
            node = next((ln.strip() for ln in plan.splitlines()[1:] if "Scan" in ln), "")
            plans.append({"file": str(path.relative_to(ROOT)), "execution_ms": execution_ms(plan), "scan": node})
        out["figures"][name] = {**stats(samples), "plans": plans}
        print(f"  {name}: p50 {out['figures'][name]['p50']} ms; " +
              "; ".join(f"{p['execution_ms']} ms {p['scan'][:70]}" for p in plans))
    slowest = max(out["figures"], key=lambda n: out["figures"][n]["p50"])
    out["slowest"] = slowest

    client = Client()
    client.force_login(manager)

    def page():
        response = client.get("/manager/sla/?period=30d")
        assert response.status_code == 200, response.status_code

    reset_queries()
    out["page"] = stats(timed(page, runs))
    with CaptureQueriesContext(connection) as ctx:
        page()
    out["page_queries"] = len(ctx.captured_queries)
    print(f"GET /manager/sla/?period=30d: {out['page']} ({out['page_queries']} queries)")
    return out


# --- b. the claim query when nothing is due --------------------------------------------------------------------

def bench_claim(runs: int) -> dict:
    from django.conf import settings
    from django.db import connection, transaction

    from core import clock
    from sla.models import SlaTimer
    from sla.sweep import claim_due, record_due

    # what has come due since the data was generated is the sweep's normal work: record it, then nothing is due
    drained = record_due(clock.now())
    now = clock.now()
    due = SlaTimer.objects.filter(stage="in_progress", next_event_at__lte=now).count()
    with transaction.atomic():  # FOR UPDATE compiles only inside a transaction
        sql, params = claim_due(now, settings.SLA_SWEEP_BATCH).query.sql_with_params()
    plan = explain(sql, params)  # once to warm, then the kept one
    plan = explain(sql, params)
    path = EXPLAIN_DIR / "sla-claim-nothing-due.txt"
    path.write_text(f"-- sla.sweep.claim_due(now) with {due} timer(s) due, batch {settings.SLA_SWEEP_BATCH}\n"
                    f"{connection.cursor().mogrify(sql, params).decode()}\n\n{plan}\n")
    uses_index = "sla_timer_due" in plan
    node = next((ln.strip() for ln in plan.splitlines() if "sla_timer_due" in ln or "Scan" in ln), "")
    assert uses_index, f"the claim query does not use sla_timer_due:\n{plan}"
    record = timed(lambda: record_due(clock.now()), runs)
    out = {"drained_first": drained,
           "due_at_start": due, "execution_ms": execution_ms(plan), "node": node, "uses_sla_timer_due": uses_index,
           "record_due": stats(record), "file": str(path.relative_to(ROOT))}
    print(f"claim query: {out['execution_ms']} ms, {node}; record_due(now): {out['record_due']}")
    return out


# --- c. 10,000 breaches at once --------------------------------------------------------------------------------

def bench_ids(cur) -> list[int]:
    cur.execute("SELECT id FROM sla_sladefinition WHERE name LIKE %s", ["Bench %"])
    return [r[0] for r in cur.fetchall()]


def restore(cur) -> None:
    """Put back the timers picked by a (possibly interrupted) breach run; drop their events and notifications."""
    cur.execute("SELECT to_regclass(%s)", [BACKUP_TABLE])
    if cur.fetchone()[0] is None:
        return
    cur.execute(f"DELETE FROM core_sentnotification WHERE key IN (SELECT 'sla:' || e.id "
                f"FROM sla_slaevent e JOIN {BACKUP_TABLE} b ON b.id = e.timer_id)")
    notifications = cur.rowcount
    cur.execute(f"DELETE FROM sla_slaevent WHERE timer_id IN (SELECT id FROM {BACKUP_TABLE})")
    events = cur.rowcount
    cur.execute(f"""UPDATE sla_slatimer t SET due_at = b.due_at, elapsed = b.elapsed, elapsed_as_of = b.elapsed_as_of,
                    next_event_at = b.next_event_at, next_threshold = b.next_threshold, breached = b.breached,
                    breached_at = b.breached_at, stage = b.stage, updated_at = b.updated_at
                    FROM {BACKUP_TABLE} b WHERE t.id = b.id""")
    timers = cur.rowcount
    cur.execute("UPDATE sla_sladefinition SET actions = '{}'::jsonb WHERE name LIKE %s", ["Bench %"])
    cur.execute(f"DROP TABLE {BACKUP_TABLE}")
    print(f"restored {timers} timers; deleted {events} events and {notifications} notification records")


def prepare_breach(cur) -> None:
    cur.execute("SELECT setseed(0.7)")
    cur.execute(f"""CREATE TABLE {BACKUP_TABLE} AS
        SELECT id, due_at, elapsed, elapsed_as_of, next_event_at, next_threshold, breached, breached_at, stage,
               updated_at
        FROM sla_slatimer WHERE stage = 'in_progress' AND definition_id = ANY(%s)
        AND NOT EXISTS (SELECT 1 FROM sla_slaevent e WHERE e.timer_id = sla_slatimer.id)
        ORDER BY random() LIMIT %s""", [bench_ids(cur), N_BREACH])
    cur.execute(f"ALTER TABLE {BACKUP_TABLE} ADD PRIMARY KEY (id)")
    # the warnings (50, 75) were recorded long ago: only the breach is left to record
    cur.execute(f"""INSERT INTO sla_slaevent (timer_id, kind, threshold, due_at, recorded_at, actions, actions_done)
        SELECT b.id, 'warning', th, now() - interval '2 hours', now() - interval '2 hours', '[]'::jsonb, true
        FROM {BACKUP_TABLE} b, unnest(ARRAY[50, 75]) th ON CONFLICT DO NOTHING""")
    # breached now: due 1-60 minutes ago, the clock past the target
    cur.execute(f"""UPDATE sla_slatimer t SET due_at = d.due, next_event_at = d.due, next_threshold = 100,
                    elapsed = t.duration + interval '1 minute', elapsed_as_of = d.due
                    FROM (SELECT id, now() - interval '1 minute' * (1 + 59 * random()) AS due FROM {BACKUP_TABLE}) d
                    WHERE t.id = d.id""")
    cur.execute("""UPDATE sla_sladefinition SET actions = '{"100": ["notify_assignee"]}'::jsonb WHERE name LIKE %s""",
                ["Bench %"])
    cur.execute(f"ANALYZE {BACKUP_TABLE}")


def progress(cur) -> tuple[int, int]:
    cur.execute(f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE e.actions_done) FROM sla_slaevent e
                    JOIN {BACKUP_TABLE} b ON b.id = e.timer_id WHERE e.threshold = 100""")
    return cur.fetchone()


def bench_breach(url: str, timeout: float) -> dict:
    import redis
    from django.db import connection

    from itsm.celery import app

    queue = redis.Redis.from_url(REDIS_URL)
    out: dict = {"timers": N_BREACH}
    with connection.cursor() as cur:
        restore(cur)  # a previous run that did not finish
        cur.execute("SELECT COUNT(*) FROM sla_slatimer WHERE stage IN ('in_progress', 'paused')")
        out["open_timers"] = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM sla_slatimer WHERE stage = 'in_progress' AND next_event_at <= now()")
        out["already_due_before"] = cur.fetchone()[0]
        stale = queue.llen("celery")
        if stale:
            print(f"purging {stale} stale message(s) from {REDIS_URL} queue 'celery'")
            queue.delete("celery")
        t = time.monotonic()
        prepare_breach(cur)
        out["prepare_s"] = round(time.monotonic() - t, 1)
    log = (OUT_DIR / "sla-worker.log").open("w")
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "itsm", "worker", "--pool=solo", "-c", "1", "-n", "bench-sla@%h",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, **environ(url)}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not app.control.ping(destination=[f"bench-sla@{os.uname()[1]}"],
                                                                   timeout=1.0):
            assert worker.poll() is None, "the worker exited; see bench/out/sla-worker.log"
        started = time.monotonic()
        result = app.send_task("sla.tasks.sweep")
        recorded_s = done_s = None
        with connection.cursor() as cur:
            while time.monotonic() - started < timeout:
                events, done = progress(cur)
                now = time.monotonic() - started
                if recorded_s is None and events >= N_BREACH:
                    recorded_s = now
                if done >= N_BREACH:
                    done_s = now
                    break
                time.sleep(0.2)
        out["recorded_s"] = round(recorded_s, 2) if recorded_s is not None else None
        out["actions_done_s"] = round(done_s, 2) if done_s is not None else None
        try:
            out["task_result"] = result.get(timeout=60)
        except Exception as exc:  # reported, not fatal
            out["task_result"] = f"{type(exc).__name__}: {exc}"
        out["task_s"] = round(time.monotonic() - started, 2)
        # the notification e-mails (locmem backend) queued by notify_assignee: let the worker drain them, bounded
        drain_start = time.monotonic()
        while time.monotonic() - drain_start < timeout and queue.llen("celery"):
            time.sleep(0.5)
        out["notifications_left"] = queue.llen("celery")
        out["notifications_drained_s"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cur:
            cur.execute(f"""SELECT COUNT(*) FILTER (WHERE n = 1), COUNT(*) FILTER (WHERE n > 1),
                                   (SELECT COUNT(*) FROM {BACKUP_TABLE}) - COUNT(*)
                            FROM (SELECT e.timer_id, COUNT(*) n FROM sla_slaevent e JOIN {BACKUP_TABLE} b
                                  ON b.id = e.timer_id WHERE e.threshold = 100 GROUP BY 1) x""")
            once, more, none = cur.fetchone()
            cur.execute(f"""SELECT COUNT(*) FROM sla_slatimer t JOIN {BACKUP_TABLE} b ON b.id = t.id
                            WHERE t.breached AND t.next_event_at IS NULL""")
            marked = cur.fetchone()[0]
            cur.execute(f"""SELECT COUNT(*) FROM core_sentnotification n WHERE n.key IN (SELECT 'sla:' || e.id
                            FROM sla_slaevent e JOIN {BACKUP_TABLE} b ON b.id = e.timer_id
                            WHERE e.threshold = 100)""")
            sent = cur.fetchone()[0]
        out.update({"exactly_once": once, "duplicates": more, "missing": none, "timers_marked_breached": marked,
                    "notifications_sent": sent, "exactly_once_ok": once == N_BREACH and not more and not none})
    finally:
        os.killpg(worker.pid, signal.SIGTERM)  # the worker's own process group (start_new_session)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        log.close()
        if queue.llen("celery"):
            queue.delete("celery")
        with connection.cursor() as cur:
            restore(cur)
    print(f"10k breaches: {out}")
    return out


# --- results ---------------------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write_results(res: dict, meta: dict) -> None:
    lines = ["# SLA benchmarks on 1,000,000 incidents", "",
             f"Run {meta['when']} by `bench/bench_sla.py` on `itsm_bench_1m` after `bench/sla_generate.py`. Machine: "
             f"{meta['cores']} cores, **shared with other engineers' test runs** (load average before / after: "
             f"{meta['load_before']} / {meta['load_after']}), PostgreSQL 15 on 127.0.0.1, DEBUG=1. Figures are "
             "wall-clock in-process timings (Django ORM + psycopg against the local server).", ""]
    if "data" in res:
        lines += ["Data: " + ", ".join(f"{k} {v:,}" for k, v in res["data"].items()), ""]
    lines += ["| measure | p50 | p90 | max | target | verdict |", "|---|---|---|---|---|---|"]
    if "report" in res:
        r = res["report"]
        lines.append(f"| `sla.report.report(manager, 30d)` ({r['report_queries']} queries), {r['report']['n']} runs "
                     f"| {r['report']['p50']} ms | {r['report']['p90']} ms | {r['report']['max']} ms | p50 <= 500 ms "
                     f"| {verdict(r['report']['p50'] <= 500)} |")
        lines.append(f"| GET `/manager/sla/?period=30d` (test client, {r['page_queries']} queries) "
                     f"| {r['page']['p50']} ms | {r['page']['p90']} ms | {r['page']['max']} ms | p50 <= 500 ms "
                     f"| {verdict(r['page']['p50'] <= 500)} |")
    if "claim" in res:
        c = res["claim"]
        lines.append(f"| claim query, nothing due (EXPLAIN ANALYZE execution) | {c['execution_ms']} ms | | | < 5 ms "
                     f"| {verdict(c['execution_ms'] < 5)} |")
        lines.append(f"| `record_due(now)`, nothing due, end to end | {c['record_due']['p50']} ms "
                     f"| {c['record_due']['p90']} ms | {c['record_due']['max']} ms | | |")
    if "breach" in res:
        b = res["breach"]
        t = b.get("actions_done_s")
        lines.append(f"| 10,000 breaches at once, one solo worker: all recorded | {b.get('recorded_s')} s | | | | |")
        lines.append(f"| ... and all actions done (`actions_done`) | {t} s | | | < 30 s "
                     f"| {verdict(t is not None and t < 30)} |")
    lines.append("")
    if "report" in res:
        r = res["report"]
        lines += ["## Dashboard figures (each alone, 5 runs after a warm-up)", "",
                  "| figure | p50 | EXPLAIN execution | plan (first scan node) | file |", "|---|---|---|---|---|"]
        for name, f in r["figures"].items():
            for i, p in enumerate(f["plans"]):
                lines.append(f"| {name if i == 0 else ''} | {f['p50'] if i == 0 else ''} ms | {p['execution_ms']} ms "
                             f"| `{p['scan'][:90]}` | `{p['file']}` |")
        lines += ["", f"Slowest figure: **{r['slowest']}** ({r['figures'][r['slowest']]['p50']} ms).", ""]
    if "claim" in res:
        c = res["claim"]
        lines += ["## Sweep claim query when nothing is due", "",
                  f"Events recorded first by `record_due` (thresholds that came due since the data was generated): "
                  f"{c.get('drained_first')}; timers due then: {c['due_at_start']}. Plan node: `{c['node']}` "
                  f"(uses `sla_timer_due`: {c['uses_sla_timer_due']}). Plan: `{c['file']}`.", ""]
    if "breach" in res:
        b = res["breach"]
        lines += ["## 10,000 timers falling due at once", "",
                  f"{b['timers']:,} of {b['open_timers']:,} open timers moved 1-60 min past their due time "
                  "(their 50/75 warnings marked as already recorded), every bench definition given actions "
                  '`{"100": ["notify_assignee"]}`; one real worker `celery -A itsm worker --pool=solo -c 1` '
                  "(SLA_SWEEP_BATCH default 500) ran one `sla.tasks.sweep` sent through Redis db 6 "
                  "(worker start-up not counted).", "",
                  f"- all breach events recorded: {b.get('recorded_s')} s; all with actions_done: "
                  f"{b.get('actions_done_s')} s; task returned {b.get('task_result')} after {b.get('task_s')} s",
                  f"- exactly once: {b['exactly_once']:,} timers with exactly one breach event, {b['duplicates']} with "
                  f"more, {b['missing']} without (ok: {b['exactly_once_ok']}); {b['timers_marked_breached']:,} timers "
                  "marked breached with no next event",
                  f"- notification e-mails (locmem backend): {b['notifications_sent']:,} sent; queue drained after "
                  f"{b['notifications_drained_s']} s ({b['notifications_left']} left)",
                  "- afterwards the timers, their events, the notification records and the definitions' actions were "
                  "put back (the run consumes nothing)", ""]
    # the hand-written reading (from "## Reading" on) survives a re-run
    old = RESULTS.read_text() if RESULTS.exists() else ""
    reading = old[old.index("## Reading"):] if "## Reading" in old else ""
    RESULTS.write_text("\n".join(lines) + ("\n" + reading if reading else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--only", default="report,claim,breach")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300.0, help="bound of each wait of the breach run (s)")
    args = parser.parse_args()
    if "itsm_bench" not in args.database_url:
        sys.exit("Only itsm_bench* databases.")
    setup(args.database_url)
    EXPLAIN_DIR.mkdir(exist_ok=True)
    OUT_DIR.mkdir(exist_ok=True)
    from django.db import connection

    res = json.loads(STATE.read_text()) if STATE.exists() else {}
    load_before = os.getloadavg()[0]
    with connection.cursor() as cur:
        cur.execute("""SELECT (SELECT COUNT(*) FROM incidents_incident), (SELECT COUNT(*) FROM sla_slatimer),
                              (SELECT COUNT(*) FROM sla_slatimer WHERE stage IN ('in_progress', 'paused')),
                              (SELECT COUNT(*) FROM sla_slaevent)""")
        res["data"] = dict(zip(["incidents", "timers", "open timers", "events"], cur.fetchone(), strict=True))
    only = set(args.only.split(","))
    if "report" in only:
        res["report"] = bench_report(args.runs)
    if "claim" in only:
        res["claim"] = bench_claim(args.runs)
    if "breach" in only:
        res["breach"] = bench_breach(args.database_url, args.timeout)
    meta = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}
    STATE.write_text(json.dumps(res, indent=2, default=str))
    write_results(res, meta)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
