"""`make run`: migrate, seed the demo data, then run the web server, a Celery worker and beat in the foreground.

Called by `scripts/devservices.py run`, which has already set DATABASE_URL and REDIS_URL (starting the private
PostgreSQL and Redis when they were not given). The database named by DATABASE_URL is created when missing. The
web server is gunicorn, as in production (reloading on code changes under DEBUG); WhiteNoise serves the static
files. Ctrl-C or SIGTERM stops all three processes; data persists under .data/ (or ITSM_DATA_DIR).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _connect(params: dict, dbname: str):
    return psycopg2.connect(dbname=dbname, user=params["USER"] or None, password=params["PASSWORD"] or None,
                            host=params["HOST"] or None, port=params["PORT"] or None, connect_timeout=10)


def ensure_database(url: str) -> None:
    """Create the database named by `url` when the server answers but the database does not exist yet.

    Any other failure (server unreachable, no right to create it) ends the script with one clear line.
    """
    params = dj_database_url.parse(url)
    where = f"{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}"
    try:
        _connect(params, params["NAME"]).close()
        return
    except psycopg2.OperationalError as exc:
        if "does not exist" not in str(exc):
            sys.exit(f"Cannot connect to PostgreSQL at {where} (DATABASE_URL): {str(exc).strip().splitlines()[0]}")
    try:
        conn = _connect(params, "postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["NAME"])))
        conn.close()
    except psycopg2.Error as exc:
        sys.exit(f"Database {params['NAME']!r} does not exist on {where} and could not be created "
                 f"({str(exc).strip().splitlines()[0]}): create it, or point DATABASE_URL at one that exists.")
    print(f"Created the database {params['NAME']!r} on {where}", flush=True)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("ALLOW_DEMO_DATA", "1")
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    env["ITSM_PORT"] = env.get("PORT", "8000")
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    if env["DEBUG"].lower() in ("1", "true", "yes", "on"):
        env["GUNICORN_CMD_ARGS"] = f"--reload {env.get('GUNICORN_CMD_ARGS', '')}".strip()
    # Celery beat keeps its schedule, and uploads go, under the data folder: it must exist on every path.
    Path(env.get("ITSM_DATA_DIR") or ROOT / ".data").mkdir(parents=True, exist_ok=True)
    ensure_database(env["DATABASE_URL"])
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT)
    url = f"http://127.0.0.1:{env['ITSM_PORT']}/"
    print(
        "\n"
        f"  Service desk: {url}\n"
        f"  API docs:     {url}api/v1/docs/    health: {url}healthz\n"
        f"  Logins (password: {'$DEMO_PASSWORD' if os.environ.get('DEMO_PASSWORD') else 'demo'}): "
        "admin, manager, agent1 (Service Desk), agent2 (Network), user1 (Acme), user2 (Globex)\n"
        "  Ctrl-C stops the web server, the worker and beat.\n",
        flush=True,
    )
    honcho = [str(VENV_BIN / "honcho"), "--procfile", str(ROOT / "Procfile.dev"), "--app-root", str(ROOT),
              "--no-colour", "start"]
    os.execve(honcho[0], honcho, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
