"""The availability API: figures per service for a month or since/until (validated by name), the outages read by
the desk and written by managers (journaled), 403 for end users and 401 for anonymous callers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from availability.models import AvailabilityTarget, Outage, OutageChange
from core import clock
from tests.availability.conftest import at

pytestmark = pytest.mark.django_db

ENDPOINTS = [("get", "/api/v1/availability/"), ("get", "/api/v1/availability/outages/"),
             ("post", "/api/v1/availability/outages/")]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_end_users_get_403_and_anonymous_callers_401(token_client, requester_a, method, url):
    for caller, expected in ((APIClient(), 401), (token_client(requester_a), 403)):
        assert getattr(caller, method)(url, {}, format="json").status_code == expected


def test_availability_of_a_month_against_the_target(token_client, manager, outage, service_email, service_vpn):
    AvailabilityTarget.objects.create(service=service_email, target="99.9")
    outage(at(11, 10, 10), at(11, 10, 12))
    with clock.frozen(at(12, 5, 16)):
        rows = token_client(manager).get("/api/v1/availability/", {"month": "2026-11"}).json()
    email = next(r for r in rows if r["service"]["name"] == "E-mail")
    assert (email["availability"], email["target"], email["below_target"], email["downtime_minutes"]) == (
        99.722, "99.900", True, 120.0)
    vpn = next(r for r in rows if r["service"]["name"] == "VPN")
    assert (vpn["availability"], vpn["below_target"], vpn["target"]) == (100.0, False, None)


def test_since_until_covers_whole_days_and_is_validated_by_name(token_client, manager, outage, service_email):
    outage(at(11, 10, 10), at(11, 10, 12))
    api = token_client(manager)
    with clock.frozen(at(12, 5, 16)):
        rows = api.get("/api/v1/availability/", {"since": "2026-11-10", "until": "2026-11-10",
                                                 "service": service_email.pk}).json()
        assert rows[0]["availability"] == round(100 * (1 - 2 / 24), 3)
        assert api.get("/api/v1/availability/", {"since": "2026-11-10"}).json() == {
            "until": ["Give both since and until."]}
        assert "until" in api.get("/api/v1/availability/", {"since": "2026-11-10", "until": "2026-11-01"}).json()
        assert "month" in api.get("/api/v1/availability/", {"month": "2026-13"}).json()
        assert "month" in api.get("/api/v1/availability/", {"month": "2026-11", "since": "2026-11-01",
                                                            "until": "2026-11-02"}).json()


def test_managers_write_outages_and_each_write_is_journaled(token_client, manager, service_email):
    api = token_client(manager)
    bad = api.post("/api/v1/availability/outages/", {"service": service_email.pk, "start": "2026-11-10T12:00:00Z",
                                                     "end": "2026-11-10T11:00:00Z"}, format="json")
    assert bad.status_code == 400 and "end" in bad.json()
    made = api.post("/api/v1/availability/outages/", {"service": service_email.pk, "start": "2026-11-10T10:00:00Z",
                                                      "end": "2026-11-10T11:00:00Z", "severity": "partial"},
                    format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["severity"], made.json()["source"]) == ("partial", "manual")
    pk = made.json()["id"]
    assert api.patch(f"/api/v1/availability/outages/{pk}/", {"end": None}, format="json").json()["end"] is None
    assert api.patch(f"/api/v1/availability/outages/{pk}/", {"severity": "worse"}, format="json").status_code == 400
    assert api.delete(f"/api/v1/availability/outages/{pk}/").status_code == 204
    assert list(OutageChange.objects.order_by("id").values_list("action", flat=True)) == [
        "created", "changed", "deleted"]
    assert all(c.actor == manager for c in OutageChange.objects.all())


def test_agents_read_their_teams_outages_and_may_not_write(token_client, agent_a, agent_b, outage, service_email):
    down = outage(at(11, 10, 10), at(11, 10, 11))
    mine = token_client(agent_a)
    assert [o["id"] for o in mine.get("/api/v1/availability/outages/").json()["results"]] == [down.pk]
    assert mine.get(f"/api/v1/availability/outages/{down.pk}/").status_code == 200
    assert mine.patch(f"/api/v1/availability/outages/{down.pk}/", {"end": None}, format="json").status_code == 403
    assert mine.delete(f"/api/v1/availability/outages/{down.pk}/").status_code == 403
    other = token_client(agent_b)
    assert other.get("/api/v1/availability/outages/").json()["results"] == []
    assert other.get(f"/api/v1/availability/outages/{down.pk}/").status_code == 404
    assert [r["service"]["name"] for r in other.get("/api/v1/availability/").json()] == ["VPN"] or \
        other.get("/api/v1/availability/").json() == []
    assert Outage.objects.filter(pk=down.pk, end=at(11, 10, 11)).exists()
