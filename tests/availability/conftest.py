from __future__ import annotations

from datetime import UTC, datetime

import pytest

from availability.choices import Severity, Source
from availability.models import Outage
from changes.kind import CHANGE
from changes.models import Change
from core import clock, writes
from core.models import Ticket


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def outage(service_email):
    """outage(start, end=None, service=..., severity=full): an outage recorded straight in the table."""

    def make(start, end=None, service=None, severity=Severity.FULL, **fields) -> Outage:
        now = clock.now()
        return Outage.objects.create(service=service or service_email, start=start, end=end, severity=severity,
                                     source=fields.pop("source", Source.MANUAL), created_at=now, updated_at=now,
                                     **fields)
    return make


@pytest.fixture
def change(agent_a, service_email):
    """change(start, end, state="scheduled", service=..., actual=(start, end) or None, others=[...])."""

    def make(start, end, state="scheduled", service=None, actual=None, others=()) -> Change:
        made = writes.create(CHANGE, agent_a, {"title": "Mail relay maintenance",
                                               "service": service if service is not None else service_email})
        fields = {"planned_start": start, "planned_end": end}
        if actual:
            fields.update(actual_start=actual[0], actual_end=actual[1])
        Change.objects.filter(pk=made.pk).update(**fields)
        Ticket.objects.filter(pk=made.pk).update(state=state)
        made = Change.objects.get(pk=made.pk)
        if others:
            made.other_services.set(others)
        return made
    return make


@pytest.fixture
def make_ci(db):
    """make_ci(name, **fields): a server CI (events find it by the event's node name)."""
    from cmdb.models import CIClass, ConfigurationItem

    server = CIClass.objects.get_or_create(slug="server", defaults={"name": "Server"})[0]

    def make(name: str, **fields) -> ConfigurationItem:
        now = clock.now()
        return ConfigurationItem.objects.create(name=name, ci_class=server, created_at=now, updated_at=now, **fields)
    return make
