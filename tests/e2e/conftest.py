"""Browser journeys: Playwright for Python driving Chromium against Django's live server.

The browser is $CHROMIUM_PATH or the machine's `chromium`, else Playwright's own download; `make test` installs one
when none is there (scripts/browser.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a thread with a
# running loop unless told it is safe (it is here: one test thread, the live server runs in its own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        executable = CHROMIUM if CHROMIUM and Path(CHROMIUM).is_file() else None
        if executable is None and not Path(pw.chromium.executable_path).is_file():
            pytest.fail("Chromium not found: run `make test` (it installs one), apt-get install chromium, "
                        "or .venv/bin/playwright install chromium", pytrace=False)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo(settings, tmp_path) -> None:
    """The demo data (`seed_demo`: users agent1, agent2, manager, admin, user1, user2 with the password "demo"), its
    uploads under a temporary media folder."""
    from django.core.management import call_command

    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError:
        # Headless Chromium now and then answers "Unable to capture screenshot" when its compositor is busy (a
        # 2-core CI machine running two workers); the next frame is drawn a moment later.
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)
    return path
