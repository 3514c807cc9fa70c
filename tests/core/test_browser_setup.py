"""`make test` gets the Chromium the browser tests need (scripts/browser.py), or says in one line what to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "browser.py"
NEEDED = ("Browser tests need Chromium: install Debian's package (apt-get install chromium), or run "
          "`.venv/bin/playwright install chromium`, or set CHROMIUM_PATH to a Chromium binary.")


def _executable(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_env(tmp_path):
    """A PATH with no chromium (and no apt-get), no Playwright browser, and Playwright's download site closed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CHROMIUM_PATH"}
    env.update(PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}",
               PLAYWRIGHT_BROWSERS_PATH=str(tmp_path / "pw"), PLAYWRIGHT_DOWNLOAD_HOST="http://127.0.0.1:9",
               PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT="2000")
    return env, bin_dir


def _run(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=240)


def test_a_chromium_on_path_is_used(bare_env):
    env, bin_dir = bare_env
    chromium = _executable(bin_dir / "chromium", "exit 0\n")
    done = _run({**env, "ITSM_BROWSER_INSTALL": "0"})
    assert done.returncode == 0
    assert done.stdout.strip() == f"Browser tests use {chromium}"


def test_without_chromium_and_without_installing_it_says_what_to_install_in_one_line(bare_env):
    env, _ = bare_env
    done = _run({**env, "ITSM_BROWSER_INSTALL": "0"})
    assert done.returncode == 1
    assert done.stderr.strip() == NEEDED


@pytest.mark.skipif(os.geteuid() != 0, reason="Debian's package is installed only when run as root")
def test_as_root_debians_package_is_installed(bare_env, tmp_path):
    env, bin_dir = bare_env
    calls = tmp_path / "apt-calls.txt"
    # apt-get as the test's stand-in: records its arguments; `install ... chromium` puts a chromium on PATH.
    _executable(bin_dir / "apt-get", f'echo "$*" >> {calls}\n'
                f'case "$*" in *install*chromium*) printf "#!/bin/sh\\nexit 0\\n" > {bin_dir}/chromium; '
                f'/bin/chmod 755 {bin_dir}/chromium;; esac\n')
    done = _run(env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"Browser tests use {bin_dir / 'chromium'}"
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]


def test_when_every_install_fails_one_line_says_what_to_install(bare_env):
    """apt-get fails (no such package here) and Playwright's download site is unreachable."""
    env, bin_dir = bare_env
    _executable(bin_dir / "apt-get", "exit 100\n")
    done = _run(env)
    assert done.returncode == 1
    assert done.stderr.strip() == NEEDED
    assert "Downloading Playwright's Chromium" in done.stdout
