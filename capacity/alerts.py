"""Samples from monitoring's metric alerts (the convention, documented in the API's description too).

An event posted to event management (Alertmanager's webhook or the generic event) records a capacity sample when
it carries:
- the label `capacity_metric`: the metric's name on the event's configuration item (the CI event management finds
  from the instance / host / node label, see events.rules), or the metric's id;
- the value, a plain number in the metric's unit: the annotation `value` (Alertmanager: `value: "{{ $value }}"`),
  else the label `value`.
Only firing events count (a resolution repeats an old value); the sample's time is when the event arrived.
Alertmanager repeats a firing alert's notification until it resolves, and event management stores those repeats
once (events.ingest: one occurrence per alert start), so an Alertmanager alert records one sample per occurrence:
a threshold alert's value. For a series, post samples to /api/v1/capacity/samples/, or send generic events (each
post is an occurrence) carrying the label `value`. An event without a matching metric, or whose value is
not a number, is left as event management made it (and logged). Events capacity raises itself (source
"capacity") are never read back.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from capacity import services
from capacity.ingest import MAX_VALUE, Reading, parse_value
from capacity.models import Metric
from events.choices import Status
from events.models import Event

log = logging.getLogger(__name__)

METRIC_LABEL = "capacity_metric"
VALUE_NAME = "value"


def metric_of(event: Event, name: str) -> Metric | None:
    if name.isdigit() and len(name) < 10:
        return Metric.objects.filter(pk=int(name)).first()
    if event.ci_id is None:
        return None
    return Metric.objects.filter(ci_id=event.ci_id, name__iexact=name).first()


def record_from_event(sender: Any, event: Event, **kwargs: Any) -> None:
    """Record the sample a processed event carries, if it follows the convention (never fails the processing)."""
    labels, annotations = event.labels or {}, event.annotations or {}
    name = str(labels.get(METRIC_LABEL, "")).strip()
    if event.source == services.SOURCE or event.status != Status.FIRING or not name:
        return
    value = parse_value(annotations.get(VALUE_NAME, labels.get(VALUE_NAME)))
    if value is None or not 0 <= value <= MAX_VALUE:
        log.info("event %s names capacity metric %r without a usable value", event.pk, name)
        return
    try:
        with transaction.atomic():
            metric = metric_of(event, name)
            if metric is None:
                log.info("event %s names capacity metric %r, unknown on its CI", event.pk, name)
                return
            services.record([Reading(metric.pk, event.received_at, value)])
    except Exception:  # any failure: its savepoint is rolled back, the event's own processing goes on
        log.exception("event %s: its capacity sample could not be recorded", event.pk)
