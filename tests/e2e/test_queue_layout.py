"""The agent queue fits a laptop: no sideways scrolling at 1280 or 1440 px, each row on one line.

Realistic data: the demo set plus incidents with long titles, long names and long team and service names.
Screenshots go to test-results/screenshots/queue-<width>.png.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Organization, Team, User
from accounts.roles import Role
from catalog.models import Service
from incidents import services
from tests.e2e import test_incident_journey as journey
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

open_page = journey.open_page  # the shared fixture
LONG_TITLE = ("Outlook keeps asking for the password after the migration to the new tenant, on every laptop of the "
              "accounting floor, and the shared mailbox of the payroll team no longer synchronises at all")


@pytest.fixture
def crowded_queue(settings, tmp_path):
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.create(name="Internationale Versicherungsgesellschaft Nordrhein-Westfalen AG")
    team = Team.objects.create(slug="workplace", name="Workplace Services and End-User Computing Europe")
    service = Service.objects.create(slug="collab", name="Collaboration, Messaging and Unified Communications",
                                     support_team=team)
    agent = User.objects.create_user("agent-long", password="demo", role=Role.AGENT, first_name="Maximiliane",
                                     last_name="Oberhauser-Schwarzenberger")
    agent.teams.add(team, *Team.objects.exclude(pk=team.pk))
    caller = User.objects.create_user("caller-long", password="demo", role=Role.END_USER, organization=org,
                                      first_name="Bartholomew-Alexander", last_name="Featherstonehaugh-Wolstenholme")
    for i in range(12):
        incident = services.create_incident(agent, {"requester": caller, "title": f"{LONG_TITLE} ({i})",
                                                    "service": service, "impact": 1 + i % 3, "urgency": 1})
        services.update_incident(incident, agent, {"assignee": agent})
    agent.set_password("demo")
    agent.save()
    return agent


def layout(page) -> dict:
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll("[data-testid=queue-row]")];
        const title = document.querySelector("[data-testid=queue-row] .title-col .title-text");
        const lineHeight = parseFloat(getComputedStyle(document.querySelector(".queue-table td")).lineHeight);
        return {
            scrollWidth: document.documentElement.scrollWidth,
            viewport: document.documentElement.clientWidth,
            tableWidth: document.querySelector(".queue-table").getBoundingClientRect().width,
            wrapperWidth: document.querySelector(".queue-table").parentElement.clientWidth,
            rowHeights: rows.map(r => r.getBoundingClientRect().height),
            lineHeight: lineHeight,
            titleTruncated: title ? title.scrollWidth > title.clientWidth : null,
            titleAttribute: title ? title.getAttribute("title") : null,
        };
    }""")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_queue_fits_a_laptop_with_one_line_rows(open_page, crowded_queue, width):
    page = open_page(viewport={"width": width, "height": 800})
    sign_in(page, "agent-long")
    page.goto("/agent/incidents/?queue=open")
    expect(page.get_by_test_id("queue-row").first).to_be_visible()
    measured = layout(page)
    screenshot(page, f"queue-{width}")
    assert measured["scrollWidth"] <= measured["viewport"], measured
    assert measured["tableWidth"] <= measured["wrapperWidth"] + 1, measured  # no scrolling inside the card either
    assert len(measured["rowHeights"]) >= 12
    # one line of text (plus the cell padding and a badge's border), never two
    assert max(measured["rowHeights"]) < 2 * measured["lineHeight"], measured
    assert measured["titleTruncated"] and measured["titleAttribute"].startswith(LONG_TITLE[:40]), measured
    assert not page.console_errors
