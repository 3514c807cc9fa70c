"""The manager opens the SLA dashboard, reads figures that match the seeded month, and drills into a breach.

The incidents are those of tests/sla/dashboard_world.py (November 2026, on a frozen clock). The live server
runs on the real clock, so the manager picks custom dates (1-15 November) and the figures do not depend on today.
Screenshots go to test-results/screenshots/ (desktop and phone).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.factories import PASSWORD, TeamFactory, UserFactory
from tests.sla.dashboard_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(db):
    from catalog.models import Service
    from tests.factories import OrganizationFactory

    desk, network = TeamFactory(name="Service Desk", slug="service-desk"), TeamFactory(name="Network", slug="network")
    requester = UserFactory(username="uma", role=Role.END_USER,
                            organization=OrganizationFactory(name="Acme", slug="acme"))
    agent_email = UserFactory(username="alex", role=Role.AGENT, teams=[desk])
    agent_vpn = UserFactory(username="nina", role=Role.AGENT, teams=[network])
    UserFactory(username="maria", role=Role.MANAGER, first_name="Maria", last_name="Manager")
    email = Service.objects.create(name="E-mail", slug="email", support_team=desk)
    vpn = Service.objects.create(name="VPN", slug="vpn", support_team=network)
    return build_world(requester=requester, agent_email=agent_email, agent_vpn=agent_vpn, service_email=email,
                       service_vpn=vpn)


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def choose_first_half_of_november(page) -> None:
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill("2026-11-01")
    page.get_by_label("Until (included)").fill("2026-11-15")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period-label")).to_contain_text("2026-11-01 00:00")


def compliance_row(page, table: str, label: str):
    return page.get_by_test_id(f"compliance-{table}").get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=label, exact=True))


def test_the_manager_reads_the_figures_and_drills_into_a_breach(page, world):
    sign_in(page, "maria")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_test_id("sla-dashboard-link").click()
    expect(page.get_by_role("heading", name="SLA dashboard", level=1)).to_be_visible()
    # without custom dates chosen, the date fields stay out of the way
    expect(page.get_by_label("From")).to_be_hidden()

    choose_first_half_of_november(page)
    expect(page.get_by_test_id("headline-compliance")).to_have_text("62.5%")  # 5 of 8 timers met
    response = compliance_row(page, "definition", "Response")
    expect(response.get_by_role("cell")).to_have_text(["3", "1", "4", "75.0%"])
    expect(compliance_row(page, "definition", "P1 resolution").get_by_role("cell")).to_have_text(
        ["0", "1", "1", "0.0%"])
    expect(page.get_by_test_id("breach-day-2026-11-03")).to_have_text("2")
    expect(page.get_by_test_id("breach-day-2026-11-10")).to_have_text("3")
    expect(page.get_by_test_id("mean-mttr-business")).to_have_text("10.25")
    # the charts were drawn by Chart.js from the JSON data element
    assert page.evaluate("() => !!document.getElementById('breaches-chart').chart")
    assert page.evaluate("() => document.getElementById('backlog-chart').chart.data.datasets[0].data.length") == 5
    screenshot(page, "sla-01-dashboard-desktop")

    # drill into the P1 breach: the queue lists exactly that incident
    compliance_row(page, "definition", "P1 resolution").locator("a[data-figure='breached']").click()
    expect(page).to_have_url(re.compile(r"/agent/incidents/\?.*sla_stage=breached"))
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    expect(page.get_by_test_id("queue-row")).to_contain_text(world.incidents["D"].number)
    screenshot(page, "sla-02-drilled-into-a-breach")

    # back on the dashboard, a click on the 10 November bar lists that day's breached incidents (D and G)
    page.go_back()
    point = page.evaluate("""() => {
        const chart = document.getElementById('breaches-chart').chart;
        const index = chart.data.labels.indexOf('2026-11-10');
        const bar = chart.getDatasetMeta(0).data[index];
        return {x: bar.x, y: (bar.y + bar.base) / 2};
    }""")
    page.locator("#breaches-chart").click(position=point)
    expect(page).to_have_url(re.compile(r"sla_breached_after="))
    expect(page.get_by_test_id("queue-row")).to_have_count(2)
    numbers = {world.incidents["D"].number, world.incidents["G"].number}
    assert {row.split()[0] for row in page.get_by_test_id("queue-row").all_inner_texts()} == numbers

    assert page.console_errors == []  # no CSP violation, no script error

    # a bad period is explained (a 400 page with the form), not a crash
    page.goto("/manager/sla/?period=custom&since=2026-11-10&until=2026-11-01")
    expect(page.get_by_test_id("period-errors")).to_contain_text("must not be before")
    expect(page.get_by_label("From")).to_be_visible()
    assert all("status of 400" in error for error in page.console_errors), page.console_errors


def test_the_dashboard_on_a_phone(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(page, "maria")
        page.goto("/manager/sla/")
        choose_first_half_of_november(page)
        expect(page.get_by_test_id("breach-day-2026-11-10")).to_have_text("3")
        # nothing wider than the screen: the page does not scroll sideways
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "sla-03-dashboard-phone")
        for name, test_id in (("compliance", "compliance-service"), ("at-risk", "at-risk-table"),
                              ("mean-times", "mean-times-table"), ("backlog", "backlog-table")):
            page.get_by_test_id(test_id).scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"sla-04-phone-{name}.png"))  # one screenful, to read
        # keyboard: the first figure link is reachable with Tab and opens the queue with Enter
        link = page.get_by_test_id("headline-total")
        link.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/agent/incidents/\?"))
        expect(page.get_by_test_id("queue-row")).to_have_count(4)  # A, B, C, D
        assert errors == []
    finally:
        context.close()
