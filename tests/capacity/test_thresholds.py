"""Crossing a threshold tells event management once (source "capacity", the CI's name as node), so the event rules
apply: the first crossing raises an incident on the CI for its support team; staying above raises nothing more;
going back under resolves it; the forecast reaching the capacity soon raises its own event. And monitoring's metric
alerts (label capacity_metric, annotation value) record samples."""

from __future__ import annotations

from datetime import timedelta

import pytest

from capacity import services
from capacity.choices import Level
from capacity.ingest import Reading
from capacity.models import Metric, Sample
from cmdb.models import AffectedCI
from core import clock
from events import processing
from events.choices import EventState, Severity, Status
from events.models import Event, EventRule
from incidents.choices import State
from incidents.models import Incident
from tests.capacity.conftest import NOW, series
from tests.events.support import alertmanager, am_alert, fire

pytestmark = pytest.mark.django_db


def post(metric, value, minutes):
    """One sample `minutes` after NOW, as the API stores it; the events it raised, processed."""
    at = NOW + timedelta(minutes=minutes)
    before = set(Event.objects.values_list("pk", flat=True))
    services.record([Reading(metric.pk, at, value)], now=at)
    new = list(Event.objects.exclude(pk__in=before).order_by("pk"))
    for event in new:
        with clock.frozen(at):
            processing.process(event.pk)
        event.refresh_from_db()
    return new


def test_each_crossing_raises_one_event_and_the_rules_raise_one_incident(storage, fs01, team_service_desk):
    storage.alert_within_days = 0  # only the thresholds here
    storage.save()
    assert post(storage, 500, 0) == []
    [warning] = post(storage, 820, 1)
    assert (warning.source, warning.node, warning.status, warning.severity) == ("capacity", "fs-01", Status.FIRING,
                                                                                Severity.WARNING)
    assert warning.fingerprint == f"capacity/metric-{storage.pk}/level"
    assert warning.summary == "Storage at 82% of its capacity (820 GB of 1,000 GB): above its warning threshold of 80%."
    assert warning.state == EventState.TICKETED
    incident = Incident.objects.get(pk=warning.incident_id)
    assert incident.title.startswith("Storage capacity on fs-01: Storage at 82%")
    assert incident.team == team_service_desk
    assert AffectedCI.objects.filter(ticket_id=incident.pk, ci=fs01).exists()
    assert post(storage, 850, 2) == []  # still above: nothing new
    [critical] = post(storage, 960, 3)
    assert critical.severity == Severity.MAJOR and critical.incident_id == incident.pk  # counted on it
    assert post(storage, 900, 4) == []  # critical -> warning: recorded, no event
    storage.refresh_from_db()
    assert storage.level == Level.WARNING
    [again] = post(storage, 970, 5)  # a new crossing into critical
    assert again.status == Status.FIRING
    [resolved] = post(storage, 400, 6)
    assert resolved.status == Status.RESOLVED and resolved.state == EventState.RESOLVED
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED  # nobody worked on it
    assert Incident.objects.count() == 1


def test_a_rule_may_record_capacity_events_without_incidents(storage):
    EventRule.objects.create(name="Capacity: record only", source="capacity", raise_incidents=False)
    [event] = post(storage, 990, 0)
    assert event.state == EventState.RECORDED and Incident.objects.count() == 0


def test_a_forecast_reaching_the_capacity_soon_raises_its_own_event(storage):
    Metric.objects.filter(pk=storage.pk).update(alert_within_days=0)
    series(storage, [300 + 20 * day for day in range(20)])  # 680 today, full in 16 days
    Metric.objects.filter(pk=storage.pk).update(alert_within_days=30)
    new = post(storage, 700, 1)
    assert [e.fingerprint for e in new] == [f"capacity/metric-{storage.pk}/forecast"]
    assert "forecast to reach its capacity of 1,000 GB on" in new[0].summary
    storage.refresh_from_db()
    assert storage.forecast_alert
    assert post(storage, 705, 2) == []  # still forecast: nothing new
    storage.alert_within_days = 5
    services.save_metric(storage, {})
    resolved = Event.objects.filter(fingerprint=f"capacity/metric-{storage.pk}/forecast").latest("pk")
    assert resolved.status == Status.RESOLVED


def test_a_metric_alert_from_alertmanager_records_a_sample(storage, client, token_client, agent_a):
    alert = am_alert("FilesystemUsage", "fs-01.example.com:9100", severity="info")
    alert["labels"]["capacity_metric"] = "storage"
    alert["annotations"]["value"] = "734.5"
    with clock.frozen(NOW):
        response = token_client(agent_a).post("/api/v1/events/alertmanager/", alertmanager(alert), format="json")
    assert response.status_code == 202
    [event_id] = response.json()["events"]
    with clock.frozen(NOW):
        processing.process(event_id)
    sample = Sample.objects.get(metric=storage)
    assert sample.value == 734.5
    storage.refresh_from_db()
    assert storage.last_value == 734.5
    assert Event.objects.get(pk=event_id).state == EventState.RECORDED  # information: no incident of its own


def test_an_alert_without_a_usable_value_or_metric_records_nothing(storage):
    fire(node="fs-01", labels={"capacity_metric": "Storage", "value": "lots"}, severity="info")
    fire(node="fs-01", labels={"capacity_metric": "Memory", "value": "5"}, severity="info")
    fire(node="fs-01", status="resolved", labels={"capacity_metric": "Storage", "value": "5"})
    assert not Sample.objects.exists()
    fire(node="fs-01", labels={"capacity_metric": str(storage.pk), "value": "12"}, severity="info",
         fingerprint="x")
    assert Sample.objects.get().value == 12


def test_a_failing_sample_never_fails_the_events_processing(storage, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "record", broken)
    event = fire(node="fs-01", labels={"capacity_metric": "Storage", "value": "5"}, severity="info")
    assert event.state == EventState.RECORDED and event.processed_at is not None
    assert not Sample.objects.exists()
