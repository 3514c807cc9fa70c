"""Each demo role signs in and lands on its home page; a wrong password shows an error; sign-out works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def sign_in(page, username: str, password: str = "demo") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize(
    ("username", "path", "heading", "role"),
    [
        ("user1", "/portal/", "Hello Uma", "End user"),
        ("user2", "/portal/", "Hello Gus", "End user"),
        ("agent1", "/agent/", "Agent workspace", "Agent"),
        ("agent2", "/agent/", "Agent workspace", "Agent"),
        ("manager", "/manager/", "Manager overview", "Manager"),
        ("admin", "/console/", "Administration", "Administrator"),
    ],
)
def test_each_demo_role_lands_on_its_home(page, demo, username, path, heading, role):
    sign_in(page, username)
    expect(page).to_have_url(f"{page.context._impl_obj._options.get('baseURL', '')}{path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_test_id("role")).to_have_text(role)
    screenshot(page, f"home-{username}")
    assert page.console_errors == [], page.console_errors  # no CSP violations, no script errors


def test_wrong_password_shows_an_error(page, demo):
    sign_in(page, "agent1", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("Wrong username or password")
    expect(page.get_by_label("Username")).to_have_value("agent1")
    screenshot(page, "login-error")


def test_logout(page, demo):
    sign_in(page, "agent1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agent workspace")
    page.get_by_role("button", name="Alex Agent").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/agent/")
    expect(page).to_have_url(f"{page.url.split('/accounts/')[0]}/accounts/login/?next=/agent/")


def test_keyboard_user_can_sign_in_and_reach_the_skip_link(page, demo):
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()  # autofocus: type straight away
    page.keyboard.type("user1")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello Uma")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_small_screen_navigation(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    sign_in(page, "admin")
    toggle = page.get_by_role("button", name="Toggle navigation")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.get_by_role("link", name="Dashboards")).to_be_visible()
    screenshot(page, "mobile-admin-nav")
    context.close()
