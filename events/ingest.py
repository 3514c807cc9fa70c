"""Reading what monitoring sends: the Alertmanager webhook and the generic event, validated and stored.

The web call only validates (a 400 names the field), stores the events and, once they are committed, publishes one
task to process them (events.tasks.process), so it stays fast whatever an event leads to. The stored event is its
own outbox: one still waiting a minute later (Redis was away, the publish failed, the web process died after the
commit) is processed by the sweep beat runs (events.tasks.sweep_waiting). So a call costs one transaction and no
outbox row to write and delete (the core outbox would add an insert and a second commit to every call).

A notification sent again (Alertmanager repeats a firing alert until it resolves; a client retries after
a timeout) has the same `dedup_key` as its first copy and is not stored twice:
- Alertmanager: the alert's fingerprint, status, start (and end, once resolved): one occurrence, however often
  it is notified;
- generic: the optional `id` the source gives its event; without one, every post is an occurrence.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import clock
from core.breaker import redis_breaker
from core.outbox import PUBLISH_RETRY_POLICY
from events.choices import SEVERITY_ALIASES, Severity, Status
from events.models import Event

log = logging.getLogger(__name__)

MAX_ALERTS = 1000
NODE_LABELS = ("instance", "host", "node", "nodename", "hostname")
SUMMARY_ANNOTATIONS = ("summary", "description", "message")


def digest(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


class StringMap(serializers.DictField):
    """A JSON object of strings (labels, annotations): at most 100 entries."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(allow_blank=True, max_length=4000, trim_whitespace=False),
                         **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        if len(value) > 100:
            raise serializers.ValidationError("At most 100 entries.")
        if any(len(key) > 200 for key in value):
            raise serializers.ValidationError("A name is at most 200 characters long.")
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class Timestamp(serializers.Field):
    """An RFC 3339 time; Alertmanager's "0001-01-01T00:00:00Z" (no end yet) is no time (None)."""

    default_error_messages = {"invalid": "Give a date and time with its offset, e.g. 2026-12-05T10:00:00Z."}

    def to_internal_value(self, data: Any) -> datetime | None:
        if data in (None, ""):
            return None
        try:
            value = datetime.fromisoformat(str(data))
        except ValueError:
            self.fail("invalid")
        if value.tzinfo is None:
            self.fail("invalid")
        return None if value.year <= 1 else value

    def to_representation(self, value: Any) -> Any:
        return value


class AlertSerializer(serializers.Serializer):
    """One alert of an Alertmanager notification."""

    status = serializers.ChoiceField(choices=Status.choices)
    labels = StringMap()
    annotations = StringMap(required=False, default=dict)
    startsAt = Timestamp()
    endsAt = Timestamp(required=False, default=None)
    generatorURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=128)

    def validate_labels(self, value: dict[str, str]) -> dict[str, str]:
        if not value.get("alertname"):
            raise serializers.ValidationError("An alert needs its alertname label.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("startsAt") is None:
            raise serializers.ValidationError({"startsAt": ["An alert needs the time it started."]})
        return attrs


class AlertmanagerSerializer(serializers.Serializer):
    """Prometheus Alertmanager's webhook notification (version 4), as Alertmanager sends it."""

    version = serializers.CharField(max_length=10)
    groupKey = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)
    status = serializers.ChoiceField(choices=Status.choices)
    receiver = serializers.CharField(required=False, allow_blank=True, max_length=200)
    groupLabels = StringMap(required=False, default=dict)
    commonLabels = StringMap(required=False, default=dict)
    commonAnnotations = StringMap(required=False, default=dict)
    externalURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    alerts = AlertSerializer(many=True, allow_empty=False, max_length=MAX_ALERTS)  # type: ignore[call-arg]  # many=True takes the list's arguments

    def validate_version(self, value: str) -> str:
        if value != "4":
            raise serializers.ValidationError("Only version 4 of Alertmanager's webhook is understood.")
        return value


class GenericEventSerializer(serializers.Serializer):
    """An event in this product's own JSON form, for any monitoring tool that can post JSON."""

    source = serializers.CharField(max_length=100)  # type: ignore[assignment]  # a declared field, popped by the metaclass
    node = serializers.CharField(max_length=200, help_text="The host or CI the event is about.")
    check = serializers.CharField(max_length=200, help_text="What was checked, e.g. disk_space.")
    severity = serializers.ChoiceField(choices=Severity.choices)
    message = serializers.CharField(max_length=4000)
    status = serializers.ChoiceField(choices=Status.choices, default=Status.FIRING)
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=128,
                                        help_text="Identifies the alert; default: source, node and check.")
    id = serializers.CharField(required=False, allow_blank=True, max_length=200,
                               help_text="The source's id of this event: the same id twice is stored once.")
    labels = StringMap(required=False, default=dict)


def node_of(labels: Mapping[str, str]) -> str:
    return next((labels[name] for name in NODE_LABELS if labels.get(name)), "")


def from_alertmanager(payload: Mapping[str, Any], now: datetime) -> list[Event]:
    """The events of a validated Alertmanager notification (one per alert)."""
    events = []
    for alert in payload["alerts"]:
        labels = {**payload.get("commonLabels", {}), **alert["labels"]}
        annotations = {**payload.get("commonAnnotations", {}), **alert.get("annotations", {})}
        if alert.get("generatorURL"):
            annotations["generatorURL"] = alert["generatorURL"]
        fingerprint = alert.get("fingerprint") or digest(*sorted(labels.items()))[:16]
        check = labels["alertname"]
        severity = SEVERITY_ALIASES.get(labels.get("severity", "").strip().lower(), Severity.WARNING)
        summary = next((annotations[name] for name in SUMMARY_ANNOTATIONS if annotations.get(name)), check)
        status, starts, ends = alert["status"], alert["startsAt"], alert.get("endsAt")
        events.append(Event(
            received_at=now, source="alertmanager", fingerprint=f"am:{fingerprint}", status=status,
            severity=severity, node=node_of(labels)[:200], check_name=check[:200], summary=summary[:4000],
            labels=labels, annotations=annotations, starts_at=starts, ends_at=ends,
            dedup_key=digest("alertmanager", fingerprint, status, starts.isoformat(),
                             ends.isoformat() if status == Status.RESOLVED and ends else ""),
        ))
    return events


def generic_fingerprint(source: str, node: str, check: str) -> str:
    readable = f"{source}/{node}/{check}".lower()
    return readable if len(readable) <= 128 else digest(source, node, check)


def from_generic(data: Mapping[str, Any], now: datetime) -> Event:
    """The event of a validated generic post."""
    source, node, check = data["source"], data["node"], data["check"]
    return Event(
        received_at=now, source=source,
        fingerprint=data.get("fingerprint") or generic_fingerprint(source, node, check),
        status=data["status"], severity=data["severity"], node=node, check_name=check, summary=data["message"],
        labels=data.get("labels", {}), dedup_key=digest(source, "id", data["id"]) if data.get("id") else None,
    )


def store(events: Iterable[Event]) -> tuple[list[Event], int]:
    """Store the events not stored yet (by `dedup_key`) and enqueue their processing once committed.

    Returns the new events and how many were copies of events already stored."""
    events = list(events)
    for attempt in range(3):
        keys = [e.dedup_key for e in events if e.dedup_key]
        known = set(Event.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)) if keys else set()
        fresh, seen = [], set()
        for event in events:
            if event.dedup_key and (event.dedup_key in known or event.dedup_key in seen):
                continue
            seen.add(event.dedup_key)
            fresh.append(event)
        try:
            with transaction.atomic():
                created = Event.objects.bulk_create(fresh)
                if created:
                    ids = [e.pk for e in created]
                    transaction.on_commit(functools.partial(publish, ids))
            return created, len(events) - len(created)
        except IntegrityError:  # the same notification arrived twice at the same moment: the other copy won
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def publish(event_ids: list[int]) -> None:
    """Send the processing of `event_ids` to the broker: one short attempt, skipped while the Redis circuit breaker
    is open; on failure the events wait for the sweep."""
    from events.tasks import process

    if not redis_breaker.allow():
        return
    try:
        process.apply_async(args=[event_ids], ignore_result=True, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # any broker failure: the sweep processes them
        redis_breaker.failure(exc)
        log.warning("events %s left for the sweep: %s", event_ids[:10], exc)
        return
    redis_breaker.success()


def receive_alertmanager(payload: Mapping[str, Any]) -> tuple[list[Event], int]:
    return store(from_alertmanager(payload, clock.now()))


def receive_generic(data: Mapping[str, Any]) -> tuple[list[Event], int]:
    return store([from_generic(data, clock.now())])
