"""SLA fixtures: schedules, definitions per priority, and a frozen clock to walk incidents through time."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from sla.models import Holiday, Schedule, SlaDefinition, Target, WorkingHours


@pytest.fixture
def always(db):
    return Schedule.objects.create(name="24x7", slug="24x7", time_zone="UTC", is_24x7=True)


@pytest.fixture
def office(db):
    """Mon-Fri 09:00-17:00 Europe/Paris; Wednesday 11 November 2026 is a holiday."""
    schedule = Schedule.objects.create(name="Office hours", slug="office", time_zone="Europe/Paris")
    for day in range(5):
        WorkingHours.objects.create(schedule=schedule, weekday=day, start=time(9), end=time(17))
    Holiday.objects.create(schedule=schedule, date=date(2026, 11, 11), name="Armistice")
    return schedule


@pytest.fixture
def make_definition():
    def make(name, target=Target.RESOLUTION, *, schedule, hours=8, priorities=None, pause=None, order=100, **kw):
        start = {"priority": priorities} if priorities else {}
        return SlaDefinition.objects.create(
            name=name, target=target, schedule=schedule, duration=timedelta(hours=hours), start_condition=start,
            pause_condition=pause if pause is not None else {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]},
            order=order, **kw,
        )

    return make
