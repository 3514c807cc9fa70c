"""The availability pages: the overview (services, this month and 12 months against the target, red when below) and
a service's page (months, outages with their cause, journal); managers record, adjust and delete outages and set the
target; agents read the services of their teams; end users get 403. Constant queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from availability.models import AvailabilityTarget, Outage, OutageChange
from core import clock
from incidents import services as incident_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def down(outage, service_email):
    """E-mail was down 10 hours this month (below a 99.9% target), VPN had none."""
    now = clock.now()
    AvailabilityTarget.objects.create(service=service_email, target="99.9")
    start = max(now - timedelta(hours=10), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    return outage(start, now - timedelta(minutes=1), description="Relay <b>down</b>")


def test_the_overview_shows_each_service_against_its_target_in_constant_queries(
        client, manager, down, service_email, service_vpn, outage, django_assert_max_num_queries):
    client.force_login(manager)
    client.get("/agent/availability/")  # warm the session
    with django_assert_max_num_queries(6):
        page = client.get("/agent/availability/")
    html = page.content.decode()
    assert page.status_code == 200
    rows = re.findall(r'<tr data-testid="availability-row">(.*?)</tr>', html, re.S)
    assert len(rows) == 2 and "E-mail" in rows[0] and "VPN" in rows[1]
    assert "99.9%" in rows[0] and "data-below-target" in rows[0] and "below target" in rows[0]
    assert "data-below-target" not in rows[1] and "Not set" in rows[1]
    assert "1 service below target this month" in html
    for _ in range(5):  # more outages, same queries
        outage(down.start, down.end, service=service_vpn)
    with django_assert_max_num_queries(6):
        client.get("/agent/availability/")


def test_the_service_page_lists_outages_with_their_cause_and_escapes_text(client, manager, down, service_email,
                                                                          make_incident, requester_a,
                                                                          django_assert_max_num_queries):
    incident = make_incident(requester_a, title="Mail relay <down>")
    incident_services.update_incident(incident, manager, {"major": True})
    client.force_login(manager)
    url = f"/agent/availability/services/{service_email.pk}/"
    client.get(url)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert len(re.findall(r'data-testid="outage-row"', html)) == 2
    assert incident.number in html and "Mail relay &lt;down&gt;" in html
    assert "Relay &lt;b&gt;down&lt;/b&gt;" in html and "<b>down</b>" not in html
    assert "Ongoing" in html and "Major incident" in html and "Full outage" in html
    assert 'data-testid="record-outage"' in html and "Adjust" in html


def test_a_manager_records_adjusts_and_deletes_an_outage_journaled(client, manager, service_email):
    client.force_login(manager)
    base = f"/agent/availability/services/{service_email.pk}/"
    bad = client.post(f"{base}outages/", {"start": "2026-11-10T12:00", "end": "2026-11-10T11:00",
                                          "severity": "full"})
    assert bad.status_code == 400 and "The end must be after the start" in bad.content.decode()
    assert client.post(f"{base}outages/", {"start": "2026-11-10T10:00", "end": "2026-11-10T11:00",
                                           "severity": "full", "description": "Cable cut"}).status_code == 302
    outage = Outage.objects.get()
    assert (outage.created_by, outage.description) == (manager, "Cable cut")
    edit = client.post(f"/agent/availability/outages/{outage.pk}/edit/", {
        "start": "2026-11-10T10:00", "end": "2026-11-10T12:30", "severity": "partial", "description": "Cable cut"})
    assert edit.status_code == 302
    outage.refresh_from_db()
    assert outage.severity == "partial" and outage.updated_by == manager
    assert client.post(f"/agent/availability/outages/{outage.pk}/delete/").status_code == 302
    assert not Outage.objects.exists()
    summaries = list(OutageChange.objects.order_by("id").values_list("action", "summary"))
    assert [a for a, _ in summaries] == ["created", "changed", "deleted"]
    assert "end from 2026-11-10 11:00 to 2026-11-10 12:30" in summaries[1][1]
    assert "severity from Full outage to Partial (degraded)" in summaries[1][1]
    history = client.get(base).content.decode()
    assert "Deleted the outage from 2026-11-10 10:00" in history


def test_a_manager_sets_the_target_and_a_bad_one_is_refused(client, manager, service_email):
    client.force_login(manager)
    url = f"/agent/availability/services/{service_email.pk}/target/"
    assert client.post(url, {"target": "101"}).status_code == 400
    assert client.post(url, {"target": "99.5"}).status_code == 302
    assert str(AvailabilityTarget.objects.get(service=service_email).target) == "99.500"
    assert 'value="99.5"' in client.get(f"/agent/availability/services/{service_email.pk}/").content.decode()


def test_agents_read_their_teams_services_and_may_not_edit(client, agent_a, agent_b, down, service_email,
                                                           service_vpn):
    client.force_login(agent_a)  # service desk: supports e-mail
    overview = client.get("/agent/availability/").content.decode()
    assert "E-mail" in overview and "VPN" not in overview
    page = client.get(f"/agent/availability/services/{service_email.pk}/")
    assert page.status_code == 200 and 'data-testid="record-outage"' not in page.content.decode()
    assert client.get(f"/agent/availability/services/{service_vpn.pk}/").status_code == 404
    assert client.post(f"/agent/availability/services/{service_email.pk}/outages/",
                       {"start": "2026-11-10T10:00", "severity": "full"}).status_code == 403
    assert client.post(f"/agent/availability/outages/{down.pk}/delete/").status_code == 403
    client.force_login(agent_b)  # network: not e-mail's team
    assert client.post(f"/agent/availability/outages/{down.pk}/delete/").status_code == 404
    assert Outage.objects.filter(pk=down.pk).exists()


@pytest.mark.parametrize("who", ["requester_a", None])
def test_end_users_get_403_and_anonymous_visitors_sign_in(client, request, who, service_email, down):
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in ("/agent/availability/", f"/agent/availability/services/{service_email.pk}/",
                f"/agent/availability/outages/{down.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == (403 if who else 302)
