"""HTTP load test of the agent pages and the incident and problem APIs, against gunicorn on 127.0.0.1 only.

    .venv/bin/python bench/load.py --database-url 1m                 # every scenario, 15 s each at 1 and 2 connections
    .venv/bin/python bench/load.py --database-url 10k --only ping,api_list_state --duration 5
    .venv/bin/python bench/load.py --database-url 1m --only ping,problems --connections 1   # a kind's scenarios

It starts gunicorn (2 sync workers, DEBUG=0, production settings minus TLS, ITSM_BENCH_VIEWS=1 for the one-query
ceiling view), signs in as the benchmark agent (a session cookie for the pages, an API token from
POST /api/v1/auth/token/ for the API), checks each scenario once (status and content), then drives it with `wrk`
(closed loop: each connection sends its next request when the previous answer arrived) for a fixed duration
after a short warm-up, and reports requests/s, p50, p90, p99, max and errors. Scenarios whose URL does not exist
yet (404) are reported as such and skipped. Without `wrk` (apt-get install wrk) a threaded Python client
(http.client) does the same job, less precisely at high rates. Everything stops by itself: bounded durations,
and gunicorn is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg2
from common import (
    BENCH_AGENT,
    BENCH_DIR,
    BENCH_PASSWORD,
    OUT_DIR,
    ROOT,
    bench_environ,
    database_name,
    database_url,
)

HOST = "127.0.0.1"
CREATE_TITLE = "Benchmark: VPN client keeps disconnecting"  # removed again at the end of each run
VENV_BIN = ROOT / ".venv" / "bin"


@dataclass
class Scenario:
    name: str
    label: str
    paths: list[str]
    method: str = "GET"
    auth: str = "session"  # session cookie, or API token
    body: str | None = None
    expect: int = 200
    check: str | None = None  # a regular expression the preflight answer must contain
    kind: str = ""  # "incidents" or "problems": `--only problems` selects a kind's scenarios
    available: bool = True
    note: str = ""
    results: list[dict] = field(default_factory=list)


# --- gunicorn -------------------------------------------------------------------------------------------------

def free_port(preferred: int) -> int:
    with socket.socket() as s:
        if s.connect_ex((HOST, preferred)) != 0:
            return preferred
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path, app: str = "itsm.wsgi:application"
                   ) -> subprocess.Popen:
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    logfile = log.open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), app, "--pythonpath", str(BENCH_DIR), "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--log-level", "warning",
         "--backlog", "256"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/accounts/login/", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    stop(proc)
    sys.exit(f"gunicorn did not answer within 30 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # graceful: the arbiter stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- signing in -------------------------------------------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, username: str, password: str) -> tuple[str, str]:
    """A session cookie header (browser sign-in through the login form) and an API token (token exchange)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    html = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        sys.exit("No CSRF token on the login page.")
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": match.group(1)}).encode()
    try:
        opener.open(urllib.request.Request(f"{base}/accounts/login/", data=form), timeout=10)
        sys.exit("Sign-in did not redirect: wrong password or a changed login form.")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            sys.exit(f"Sign-in answered {exc.code}.")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        sys.exit("Sign-in set no session cookie.")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    req = urllib.request.Request(f"{base}/api/v1/auth/token/", method="POST",
                                 data=json.dumps({"username": username, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    token = json.loads(urllib.request.urlopen(req, timeout=10).read())["token"]
    return cookie, token


# --- what to request --------------------------------------------------------------------------------------------

def scenario_data(url: str, agent: str) -> dict:
    """Ids and numbers the scenarios need, straight from the database: the agent's teams, visible tickets."""
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM accounts_user WHERE username = %s", [agent])
        row = cur.fetchone()
        if row is None:
            sys.exit(f"No user {agent!r}: generate the database first (bench/generate.py).")
        agent_id = row[0]
        cur.execute("SELECT team_id FROM accounts_team_members WHERE user_id = %s ORDER BY team_id", [agent_id])
        teams = [r[0] for r in cur.fetchall()]
        # tickets the agent may open: their teams' and their own (a random sample of 2,000)
        cur.execute(
            "SELECT number FROM core_ticket TABLESAMPLE SYSTEM (20) WHERE kind = 'incident' "
            "AND (team_id = ANY(%s) OR assignee_id = %s) LIMIT 2000", [teams, agent_id])
        numbers = [r[0] for r in cur.fetchall()]
        if len(numbers) < 50:
            cur.execute("SELECT number FROM core_ticket WHERE kind = 'incident' AND (team_id = ANY(%s) "
                        "OR assignee_id = %s) LIMIT 2000", [teams, agent_id])
            numbers = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM catalog_service WHERE active ORDER BY id LIMIT 1")
        service = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM core_ticket")
        tickets = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM core_ticket WHERE kind = 'problem'")
        problems = cur.fetchone()[0]
        # problems the agent may open (their teams' or their own) with several linked incidents (3 to 5), most
        # of them visible to the agent too (the page lists those): a random sample of 200
        cur.execute(
            "SELECT t.number FROM core_ticket t JOIN core_ticketlink l ON l.target_id = t.id AND l.kind = 'caused_by' "
            "JOIN core_ticket i ON i.id = l.source_id "
            "WHERE t.kind = 'problem' AND (t.team_id = ANY(%s) OR t.assignee_id = %s) "
            "GROUP BY t.id HAVING count(*) >= 3 "
            "AND count(*) FILTER (WHERE i.team_id = ANY(%s) OR i.assignee_id = %s) >= 2 "
            "ORDER BY md5(t.number) LIMIT 200", [teams, agent_id, teams, agent_id])
        problem_numbers = [r[0] for r in cur.fetchall()]
    conn.close()
    return {"agent_id": agent_id, "teams": teams, "numbers": numbers, "service": service, "tickets": tickets,
            "problems": problems, "problem_numbers": problem_numbers}


def scenarios(data: dict, create_body: str | None) -> list[Scenario]:
    numbers = data["numbers"]
    team = data["teams"][0]
    body = create_body or json.dumps({
        "title": CREATE_TITLE, "description": "Created by bench/load.py.",
        "impact": 2, "urgency": 2, "service": data["service"], "team": team,
    })
    number_re = r"INC\d{7}"
    problem_re = r"PRB\d{7}"
    problem_numbers = data["problem_numbers"] or ["PRB0000000"]  # none generated: the preflight skips them
    incidents = [
        Scenario("ping", "trivial view (1 query, ceiling)", ["/bench/ping/"], check=r'"teams"'),
        Scenario("agent_home", "(extra) agent home /agent/: 4 queue counts", ["/agent/"], check=r"queue"),
        Scenario("queue_my_teams", "queue page ?queue=my-teams", ["/agent/incidents/?queue=my-teams"],
                 check=number_re),
        Scenario("queue_open", "queue page ?queue=open", ["/agent/incidents/?queue=open"], check=number_re),
        Scenario("api_list_state", "API list ?state=new&priority=2&ordering=-updated_at",
                 ["/api/v1/incidents/?state=new&priority=2&ordering=-updated_at"], auth="token", check=r'"count"'),
        Scenario("api_list_team", "API list ?team=<agent's team>&active=true",
                 [f"/api/v1/incidents/?team={team}&active=true"], auth="token", check=number_re),
        Scenario("ticket_page", "ticket page /agent/incidents/<number>/",
                 [f"/agent/incidents/{n}/" for n in numbers], check=number_re),
        Scenario("api_detail", "API detail /api/v1/incidents/<number>/",
                 [f"/api/v1/incidents/{n}/" for n in numbers], auth="token", check=number_re),
        Scenario("api_create", "API create POST /api/v1/incidents/", ["/api/v1/incidents/"], method="POST",
                 auth="token", body=body, expect=201, check=number_re),
    ]
    for s in incidents[1:]:
        s.kind = "incidents"
    problems = [
        Scenario("problem_queue", "problem queue /agent/problems/ (open)", ["/agent/problems/"], check=problem_re),
        Scenario("problem_queue_known", "problem queue ?active=true&known_error=true",
                 ["/agent/problems/?active=true&known_error=true"], check=problem_re),
        Scenario("problem_page", "problem page /agent/problems/<number>/ (3-5 incidents)",
                 [f"/agent/problems/{n}/" for n in problem_numbers], check=problem_re),
        Scenario("known_errors_search", "known errors /agent/known-errors/?q=error",
                 ["/agent/known-errors/?q=error"], check=problem_re),
        Scenario("api_problem_list", "API list /api/v1/problems/?state=assessment&ordering=-updated_at",
                 ["/api/v1/problems/?state=assessment&ordering=-updated_at"], auth="token", check=problem_re),
        Scenario("api_problem_detail", "API detail /api/v1/problems/<number>/",
                 [f"/api/v1/problems/{n}/" for n in problem_numbers], auth="token", check=problem_re),
    ]
    for s in problems:
        s.kind = "problems"
    return [*incidents, *problems]


def headers_for(s: Scenario, cookie: str, token: str) -> dict[str, str]:
    h = {"Cookie": cookie} if s.auth == "session" else {"Authorization": f"Token {token}"}
    if s.body is not None:
        h["Content-Type"] = "application/json"
    h["Accept"] = "application/json" if s.auth == "token" else "text/html"
    return h


def preflight(base: str, s: Scenario, headers: dict[str, str]) -> None:
    """One request: the scenario is measured only when it answers as expected."""
    req = urllib.request.Request(base + s.paths[0], method=s.method, headers=headers,
                                 data=s.body.encode() if s.body else None)
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode(errors="replace")
    if status == 404 and s.method == "GET" and "/bench/" not in s.paths[0]:
        s.available, s.note = False, "404: not built yet"
    elif status != s.expect:
        s.available, s.note = False, f"answered {status}, expected {s.expect}"
    elif s.check and not re.search(s.check, text):
        s.available, s.note = False, f"answer lacks {s.check!r}: {text[:120]!r}"
    else:
        s.note = f"{len(text):,} bytes"


# --- load generators --------------------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
local n = #paths
wrk.method = %(method)s
%(headers)s
%(body)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0; math.randomseed(os.time() + math.floor(os.clock() * 1000000)) end
function request() return wrk.format(nil, paths[math.random(n)]) end
function response(status, headers, body) if status ~= %(expect)d then unexpected = unexpected + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("unexpected") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, '
    .. '"read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "unexpected": %%d, "p50": %%d, '
    .. '"p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}\\n', summary.requests, summary.duration,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, bad, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these ASCII values


def run_wrk(base: str, s: Scenario, headers: dict[str, str], connections: int, duration: float) -> dict:
    script = OUT_DIR / f"wrk-{s.name}.lua"
    script.write_text(WRK_SCRIPT % {
        "paths": ", ".join(lua_string(p) for p in s.paths),
        "method": lua_string(s.method),
        "headers": "\n".join(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()),
        "body": f"wrk.body = {lua_string(s.body)}" if s.body else "",
        "expect": s.expect,
    })
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "10s", "-s", str(script),
           base]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    match = re.search(r"^RESULT (\{.*\})$", out.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(match.group(1))
    seconds = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + max(r["status"], r["unexpected"])
    return {"requests": r["requests"], "seconds": seconds, "rps": r["requests"] / seconds, "errors": errors,
            "p50_ms": r["p50"] / 1000, "p90_ms": r["p90"] / 1000, "p99_ms": r["p99"] / 1000,
            "max_ms": r["max"] / 1000, "mean_ms": r["mean"] / 1000}


def run_python(base: str, s: Scenario, headers: dict[str, str], connections: int, duration: float) -> dict:
    """The fallback client: `connections` threads, each a closed loop of http.client requests."""
    import random

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    parsed = urllib.parse.urlsplit(base)
    deadline = time.monotonic() + duration

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        mine, bad = [], 0
        body = s.body.encode() if s.body else None
        while time.monotonic() < deadline:
            path = s.paths[rnd.randrange(len(s.paths))]
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            t0 = time.perf_counter()
            try:
                conn.request(s.method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                mine.append(time.perf_counter() - t0)
                if resp.status != s.expect:
                    bad += 1
            except OSError:
                bad += 1
            finally:
                conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "seconds": seconds, "rps": len(latencies) / seconds, "errors": errors[0],
            "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000, "p99_ms": q[98] * 1000,
            "max_ms": latencies[-1] * 1000 if latencies else 0, "mean_ms": statistics.fmean(latencies) * 1000}


def whatif_indexes(url: str, create: bool) -> None:
    """The proposed indexes under bench_whatif_* names, for a --whatif run only (dropped again afterwards)."""
    from proposals import PROPOSED_INDEXES, index_ddl

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        if create:
            for ddl in index_ddl("bench_whatif_"):
                cur.execute(ddl)
        else:
            for name in PROPOSED_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS bench_whatif_{name}")
        cur.execute("ANALYZE core_ticket")
    conn.close()


def remove_created(env: dict[str, str], username: str) -> None:
    """Delete the incidents the create scenario raised (through the ORM: journal, SLA timers... go with them), so
    that repeated runs leave the data set as generated."""
    code = (
        "from incidents.models import Incident; "
        f"n = Incident.objects.filter(title={CREATE_TITLE!r}, requester__username={username!r}).delete()[0]; "
        "from django.db import connection; connection.cursor().execute('ANALYZE core_ticket'); "
        "print(f'Removed the incidents created by the benchmark ({n} rows with their dependents)')"
    )
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=False)


PG_BACKEND = re.compile(r"^postgres: [^:]+: (\S+) (\S+) ")  # "postgres: 15/main: <user> <database> <client> ..."
PG_PARALLEL = re.compile(r"^postgres: [^:]+: parallel worker for PID (\d+)")


def cpu_by_owner(gunicorn_pid: int, db: str) -> dict[int, tuple[str, float]]:
    """Each process's CPU time so far (user + system, jiffies) and whose it is: "app" (gunicorn's master and
    workers, the PostgreSQL backends of the bench database and their parallel workers), "foreign" (other
    programs: other databases' backends, test runners, browsers...) or "system" (kernel threads, PostgreSQL's
    background processes, this script and wrk)."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        procs[int(entry.name)] = (int(stat[1]), cmdline, float(stat[11]) + float(stat[12]))
    ours_backends = {pid for pid, (_pp, cmd, _j) in procs.items()
                     if (m := PG_BACKEND.match(cmd)) and m.group(2) == db}
    me = os.getpid()
    out = {}
    for pid, (ppid, cmd, jiffies) in procs.items():
        parallel = PG_PARALLEL.match(cmd)
        backend = PG_BACKEND.match(cmd)
        if pid == gunicorn_pid or ppid == gunicorn_pid or pid in ours_backends or (
                parallel and int(parallel.group(1)) in ours_backends):
            owner = "app"
        elif (not cmd or pid == me or ppid == me or (cmd.startswith("postgres") and not backend)
              or "bin/postgres " in cmd or "redis-server" in cmd):  # shared servers: counted as the system's
            owner = "system"
        else:
            owner = "foreign"
        out[pid] = (owner, jiffies)
    return out


def used_since(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], owner: str) -> float:
    """CPU used between two samples by the processes of `owner` (those started meanwhile count from zero)."""
    return sum(j - before.get(pid, (o, 0.0))[1] for pid, (o, j) in after.items() if o == owner)


def wait_for_quiet(threshold: float, max_wait: float) -> float:
    """Wait (at most `max_wait` s) until the machine's CPU is below `threshold` % busy over 2 s while we are idle:
    other engineers' test suites share the 2 cores. Returns the busy % last seen."""
    deadline = time.monotonic() + max_wait
    while True:
        a = cpu_times()
        time.sleep(2)
        b = cpu_times()
        busy, idle, steal = (y - x for x, y in zip(a, b, strict=True))
        pct = 100 * busy / max(busy + idle + steal, 1)
        if pct <= threshold or time.monotonic() >= deadline:
            return pct
        time.sleep(3)


def cpu_times() -> tuple[float, float, float]:
    """(busy, idle, steal) jiffies of the whole machine, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    steal = fields[7] if len(fields) > 7 else 0.0
    return sum(fields) - idle - steal, idle, steal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="URL, database name, 10k or 1m (default 10k)")
    parser.add_argument("--duration", type=float, default=15, help="seconds measured per scenario and concurrency")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up before each measurement")
    parser.add_argument("--connections", default="1,2", help="comma-separated concurrent connections to test")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="",
                        help="comma-separated scenario names, or `incidents` / `problems` for a kind's scenarios")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--create-body", default=None, help="JSON body of the API create scenario")
    parser.add_argument("--user", default=BENCH_AGENT)
    parser.add_argument("--tag", default="", help="suffix of the output file (bench/out/load-<db>-<tag>.json)")
    parser.add_argument("--quiet-threshold", type=float, default=30,
                        help="before each measurement wait until the machine is at most this %% busy (shared box)")
    parser.add_argument("--quiet-wait", type=float, default=120, help="longest wait for quiet, in seconds")
    parser.add_argument("--whatif", action="store_true",
                        help="measure the app with bench/proposals.py applied (whatif.py; indexes for the run only)")
    args = parser.parse_args()

    url = database_url(args.database_url)
    db = database_name(url)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    if client == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk, or use --client python.")
    run = run_wrk if client == "wrk" else run_python
    conns = [int(c) for c in args.connections.split(",") if c.strip()]
    data = scenario_data(url, args.user)
    env = {**os.environ, **bench_environ(url)}
    port = free_port(args.port)
    base = f"http://{HOST}:{port}"
    print(f"Database {db}: {data['tickets']:,} tickets ({data['problems']:,} problems); user {args.user} "
          f"(teams {data['teams']}); "
          f"gunicorn {args.workers} workers on {base}; client {client}", flush=True)
    suffix = "-whatif" if args.whatif else ""
    if args.whatif:
        whatif_indexes(url, create=True)
    try:
        proc = start_gunicorn(env, port, args.workers, OUT_DIR / f"gunicorn-{db}{suffix}.log",
                              "whatif:application" if args.whatif else "itsm.wsgi:application")
    except BaseException:
        if args.whatif:
            whatif_indexes(url, create=False)
        raise
    results = {"database": db, "whatif": args.whatif, "tickets": data["tickets"], "problems": data["problems"],
               "client": client,
               "workers": args.workers, "duration": args.duration, "cpus": os.cpu_count(),
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "scenarios": []}
    try:
        cookie, token = sign_in(base, args.user, BENCH_PASSWORD)
        wanted = {x.strip() for x in args.only.split(",") if x.strip()}
        for s in scenarios(data, args.create_body):
            if wanted and s.name not in wanted and s.kind not in wanted:
                continue
            headers = headers_for(s, cookie, token)
            preflight(base, s, headers)
            entry = {"name": s.name, "label": s.label, "available": s.available, "note": s.note, "runs": []}
            results["scenarios"].append(entry)
            if not s.available:
                print(f"- {s.name:16} skipped: {s.note}", flush=True)
                continue
            for c in conns:
                idle_busy = wait_for_quiet(args.quiet_threshold, args.quiet_wait) if args.quiet_wait > 0 else 0.0
                if args.warmup > 0:
                    run(base, s, headers, c, args.warmup)
                load_before = os.getloadavg()[0]
                owners0, child0 = cpu_by_owner(proc.pid, db), os.times()
                cpu0 = cpu_times()
                r = run(base, s, headers, c, args.duration)
                cpu1 = cpu_times()
                owners1, child1 = cpu_by_owner(proc.pid, db), os.times()
                busy, idle, steal = (b - a for a, b in zip(cpu0, cpu1, strict=True))
                total = max(busy + idle + steal, 1)
                hz = os.sysconf("SC_CLK_TCK")
                load_gen = (child1.children_user + child1.children_system + child1.user + child1.system
                            - child0.children_user - child0.children_system - child0.user - child0.system) * hz
                ours, foreign = used_since(owners0, owners1, "app"), used_since(owners0, owners1, "foreign")
                # the machine is shared: what other programs used meanwhile tells how noisy the figures are
                r.update(connections=c, cpu_busy_pct=100 * busy / total, steal_pct=100 * steal / total,
                         app_cpu_pct=100 * ours / total, client_cpu_pct=100 * load_gen / total,
                         others_cpu_pct=100 * foreign / total,
                         unattributed_cpu_pct=max(0.0, 100 * (busy - ours - load_gen - foreign) / total),
                         loadavg_before=load_before,
                         busy_before_pct=idle_busy)
                entry["runs"].append(r)
                print(f"- {s.name:16} c={c}: {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p90 {r['p90_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
                      f"errors {r['errors']}  ({r['requests']} requests; CPU of 2 cores: app+db "
                      f"{r['app_cpu_pct']:.0f}%, client {r['client_cpu_pct']:.0f}%, other programs "
                      f"{r['others_cpu_pct']:.0f}%, unattributed {r['unattributed_cpu_pct']:.0f}%)",
                      flush=True)
    finally:
        stop(proc)
        if args.whatif:
            whatif_indexes(url, create=False)
        remove_created(env, args.user)
    out = OUT_DIR / f"load-{db}{suffix}{'-' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"Saved {out}")
    print_table(results)


def print_table(results: dict) -> None:
    """The run as a Markdown table; "x ping" is the latency relative to the same run's trivial view (p50 to p50,
    p99 to p99, same connections), "% of ceiling" the throughput relative to it."""
    ping = {r["connections"]: r for s in results["scenarios"] if s["name"] == "ping" for r in s["runs"]}
    problems = f", {results['problems']:,} problems" if results.get("problems") else ""
    print(f"\n{results['database']}{' WITH THE PROPOSALS (what-if)' if results.get('whatif') else ''} "
          f"({results['tickets']:,} tickets{problems}), {results['workers']} gunicorn workers, "
          f"{results['client']}, {results['duration']:g} s per row\n")
    print("| scenario | conns | req/s | % of ceiling | p50 ms | p90 ms | p99 ms | max ms | p50 x ping | p99 x ping | "
          "errors | other programs' CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    nan = float("nan")
    for s in results["scenarios"]:
        if not s["available"]:
            print(f"| {s['label']} | | | | | | | | | | {s['note']} | |")
        for r in s["runs"]:
            base = ping.get(r["connections"])
            pct = 100 * r["rps"] / base["rps"] if base else nan
            x50 = r["p50_ms"] / base["p50_ms"] if base else nan
            x99 = r["p99_ms"] / base["p99_ms"] if base else nan
            print(f"| {s['label']} | {r['connections']} | {r['rps']:.1f} | {pct:.0f}% | {r['p50_ms']:.1f} | "
                  f"{r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {x50:.1f} | {x99:.1f} | "
                  f"{r['errors']} | {r.get('others_cpu_pct', nan):.0f}% |")


if __name__ == "__main__":
    main()
