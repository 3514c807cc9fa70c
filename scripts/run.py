"""`make run`: migrate, seed the demo data, then run the web server, a Celery worker and beat in the foreground.

Called by `scripts/devservices.py run`, which has already set DATABASE_URL and REDIS_URL (starting the private
PostgreSQL and Redis when they were not given). Ctrl-C stops all three processes; data persists under .data/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("ALLOW_DEMO_DATA", "1")
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    env["ITSM_PORT"] = env.get("PORT", "8000")
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
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
