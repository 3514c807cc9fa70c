"""A change affecting several services: conflicts, freezes and maintenance windows are checked for each, on the
change and on the calendar; its impact rises with the most critical; set from the page and through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from catalog.models import Criticality
from changes import services
from changes.choices import ChangeType, State
from changes.conflicts import conflicts, conflicts_among
from changes.kind import CHANGE
from changes.models import BlackoutWindow, Change
from core import writes

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
PLANS = {"implementation_plan": "Swap.", "backout_plan": "Back.", "test_plan": "Test."}


def scheduled(actor, title, start, **fields) -> Change:
    change = writes.create(CHANGE, actor, {"title": title, "change_type": ChangeType.STANDARD, "planned_start": start,
                                           "planned_end": start + timedelta(hours=2), **PLANS, **fields})
    writes.transition(CHANGE, change, actor, State.SCHEDULED)
    return Change.objects.get(pk=change.pk)


def test_a_change_collides_through_a_service_it_also_affects(agent_a, service_email, service_vpn):
    at = datetime(2027, 3, 10, 22, tzinfo=PARIS)
    relay = scheduled(agent_a, "Patch the mail relay", at, service=service_email)
    tunnel = scheduled(agent_a, "Renew the VPN certificate", at + timedelta(hours=1), service=service_vpn)
    assert conflicts(relay) == []
    services.set_other_services(relay, agent_a, [service_vpn])
    relay = Change.objects.get(pk=relay.pk)
    assert [(c.reason, c.other.number) for c in conflicts(relay)] == [("service", tunnel.number)]
    found = conflicts_among(list(Change.objects.filter(pk__in=[relay.pk, tunnel.pk])),
                            at - timedelta(days=1), at + timedelta(days=1))
    assert [c.reason for c in found[tunnel.pk]] == ["service"] and [c.reason for c in found[relay.pk]] == ["service"]
    BlackoutWindow.objects.create(name="VPN freeze", service=service_vpn, starts_at=at - timedelta(hours=1),
                                  ends_at=at + timedelta(hours=1))
    assert "blackout" in [c.reason for c in conflicts(Change.objects.get(pk=relay.pk))]


def test_the_impact_rises_with_the_most_critical_service(agent_a, service_email, service_vpn):
    service_vpn.criticality = Criticality.CRITICAL
    service_vpn.save()
    change = writes.create(CHANGE, agent_a, {"title": "Move the DNS", "impact": 3, "urgency": 3})
    services.set_other_services(change, agent_a, [service_vpn])
    change.refresh_from_db()
    assert (change.impact, change.priority) == (1, 3)


def test_set_from_the_page_and_the_api(client, token_client, agent_a, service_email, service_vpn):
    change = writes.create(CHANGE, agent_a, {"title": "Move the DNS", "service": service_email})
    client.force_login(agent_a)
    done = client.post(reverse("agent-change-services", args=[change.number]),
                       {"other_services": [service_vpn.pk]}, follow=True)
    text = done.content.decode()
    assert f"{change.number}: services affected saved." in text and "VPN" in text
    api = token_client(agent_a)
    detail = api.get(f"/api/v1/changes/{change.number}/").json()
    assert detail["other_services"] == [{"id": service_vpn.pk, "name": service_vpn.name}]
    cleared = api.patch(f"/api/v1/changes/{change.number}/", {"other_services": []}, format="json")
    assert cleared.status_code == 200 and cleared.json()["other_services"] == []
    unknown = api.patch(f"/api/v1/changes/{change.number}/", {"other_services": [999999]}, format="json")
    assert unknown.status_code == 400 and "other_services" in unknown.json()
