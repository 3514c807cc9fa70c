"""`make test` step: make sure the browser tests have a Chromium, installing one when missing.

Looks for ``$CHROMIUM_PATH``, then the machine's ``chromium``, then Playwright's own download. When none is there:
installs Debian's ``chromium`` package when run as root on a machine with apt-get, else (or when that fails)
downloads Playwright's Chromium (``playwright install chromium``; needs Playwright's download site). When every
way fails it ends with one line that says what to install. ``ITSM_BROWSER_INSTALL=0`` only looks, never installs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NEEDED = ("Browser tests need Chromium: install Debian's package (apt-get install chromium), or run "
          "`.venv/bin/playwright install chromium`, or set CHROMIUM_PATH to a Chromium binary.")


def system_chromium() -> Path | None:
    """$CHROMIUM_PATH, or the machine's chromium on PATH."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def playwright_chromium() -> Path | None:
    """Playwright's own downloaded Chromium, when present."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as pw:
        path = Path(pw.chromium.executable_path)
    return path if path.is_file() else None


def find() -> Path | None:
    return system_chromium() or playwright_chromium()


def _quiet(cmd: list[str], timeout: float) -> bool:
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                              check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def install() -> Path | None:
    """Try Debian's package (as root), then Playwright's download; the Chromium found afterwards, if any."""
    apt = shutil.which("apt-get")
    if os.geteuid() == 0 and apt:
        print("Installing Debian's chromium for the browser tests (apt-get)", flush=True)
        if _quiet([apt, "update", "-qq"], 600) and _quiet([apt, "install", "-y", "-qq", "chromium"], 900):
            found = find()
            if found:
                return found
    print("Downloading Playwright's Chromium for the browser tests", flush=True)
    if _quiet([sys.executable, "-m", "playwright", "install", "chromium"], 600):
        return find()
    return None


def main() -> int:
    found = find()
    if not found and os.environ.get("ITSM_BROWSER_INSTALL", "1") not in ("0", "no", "false"):
        found = install()
    if not found:
        print(NEEDED, file=sys.stderr)
        return 1
    print(f"Browser tests use {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
