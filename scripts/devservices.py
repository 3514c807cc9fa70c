"""Private PostgreSQL and Redis for development and tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, ``make run`` and ``make test`` call this script to start a
PostgreSQL cluster and a Redis server that belong to the project alone, with their data under ``.data/``
(git-ignored), and to stop them cleanly afterwards. It uses the machine's PostgreSQL binaries
(``initdb``/``pg_ctl``; run as the ``postgres`` user when invoked as root, since PostgreSQL refuses root) and
the machine's ``redis-server``.

Usage::

    python scripts/devservices.py start    # prints `export DATABASE_URL=... REDIS_URL=...` lines
    python scripts/devservices.py stop
    python scripts/devservices.py env      # the URLs, without starting anything
    python scripts/devservices.py run -- CMD ARGS...   # start what is missing, run CMD, stop what we started
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ITSM_DATA_DIR", ROOT / ".data"))
PG_DIR = DATA / "postgres"
PG_SOCKET_DIR = DATA / "pgsocket"
REDIS_DIR = DATA / "redis"
PG_PORT = int(os.environ.get("ITSM_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("ITSM_REDIS_PORT", "63799"))
DB_NAME = "itsm"


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}"


def redis_url() -> str:
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def _pg_bindir() -> Path:
    """Find the directory of the machine's PostgreSQL server binaries (the newest major version)."""
    pg_config = shutil.which("pg_config")
    candidates: list[Path] = []
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates.extend(Path(p) for p in versions)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    sys.exit(
        "PostgreSQL server binaries not found (initdb, pg_ctl). Install PostgreSQL "
        "(apt-get install postgresql) or set DATABASE_URL to a running server."
    )


def _as_pg_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its binaries as the `postgres` user in that case."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _chown_pg(path: Path) -> None:
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in [path, *path.rglob("*")]:
            os.chown(p, pw.pw_uid, pw.pw_gid)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_open(port):
            return
        time.sleep(0.1)
    sys.exit(f"{what} did not start listening on 127.0.0.1:{port} within {timeout:.0f}s (see .data/*.log)")


def pg_running() -> bool:
    return (PG_DIR / "postmaster.pid").exists() and _port_open(PG_PORT)


def start_postgres() -> bool:
    """Start the private cluster, creating it first if needed. Returns True if this call started it."""
    if pg_running():
        return False
    if _port_open(PG_PORT):
        sys.exit(f"Port {PG_PORT} is taken by another program: set ITSM_PG_PORT or DATABASE_URL.")
    bindir = _pg_bindir()
    DATA.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # the postgres user must be able to reach the data folder
        for parent in [DATA, *DATA.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
    PG_SOCKET_DIR.mkdir(exist_ok=True)
    _chown_pg(PG_SOCKET_DIR)
    if not (PG_DIR / "PG_VERSION").exists():
        PG_DIR.mkdir(parents=True, exist_ok=True)
        _chown_pg(PG_DIR)
        subprocess.run(
            _as_pg_user([str(bindir / "initdb"), "-D", str(PG_DIR), "-U", "postgres", "--auth=trust",
                         "--encoding=UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL,
        )
    log = DATA / "postgres.log"
    log.touch()
    _chown_pg(log)
    # Tuned for a laptop-sized dev cluster and fast tests; durability is not the point of this cluster.
    opts = (f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {PG_SOCKET_DIR} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(
        _as_pg_user([str(bindir / "pg_ctl"), "-D", str(PG_DIR), "-l", str(log), "-o", opts, "-w", "-t", "60",
                     "start"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    _wait_port(PG_PORT, "PostgreSQL")
    exists = subprocess.run(
        [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres",
                        DB_NAME], check=True)
    return True


def stop_postgres() -> None:
    if not (PG_DIR / "postmaster.pid").exists():
        return
    bindir = _pg_bindir()
    subprocess.run(_as_pg_user([str(bindir / "pg_ctl"), "-D", str(PG_DIR), "-m", "fast", "-w", "stop"]),
                   check=False, stdout=subprocess.DEVNULL)


def redis_running() -> bool:
    return _port_open(REDIS_PORT) and (REDIS_DIR / "redis.pid").exists()


def start_redis() -> bool:
    """Start the private Redis server (data saved under .data/redis). Returns True if this call started it."""
    if redis_running():
        return False
    if _port_open(REDIS_PORT):
        sys.exit(f"Port {REDIS_PORT} is taken by another program: set ITSM_REDIS_PORT or REDIS_URL.")
    server = shutil.which("redis-server")
    if not server:
        sys.exit("redis-server not found. Install Redis (apt-get install redis-server) or set REDIS_URL.")
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
         "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
         "--logfile", str(DATA / "redis.log"), "--save", "60 1", "--appendonly", "no"],
        check=True,
    )
    _wait_port(REDIS_PORT, "Redis")
    return True


def stop_redis() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)  # Redis saves its data on SIGTERM
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)
    except (ProcessLookupError, ValueError):
        pass
    pidfile.unlink(missing_ok=True)


def run(cmd: list[str]) -> int:
    """Start whichever service has no URL in the environment, run `cmd` with the URLs set, stop what we started."""
    env = dict(os.environ)
    started_pg = started_redis = False
    try:
        if not env.get("DATABASE_URL"):
            started_pg = start_postgres()
            env["DATABASE_URL"] = database_url()
        if not env.get("REDIS_URL"):
            started_redis = start_redis()
            env["REDIS_URL"] = redis_url()
        proc = subprocess.Popen(cmd, env=env)
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                # Ctrl-C reaches the child too (same process group): wait for it to finish shutting down.
                continue
    finally:
        if started_redis:
            stop_redis()
        if started_pg:
            stop_postgres()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    action, rest = argv[0], argv[1:]
    if action == "start":
        start_postgres()
        start_redis()
        print(f"export DATABASE_URL={database_url()}\nexport REDIS_URL={redis_url()}")
    elif action == "stop":
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
