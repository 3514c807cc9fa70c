"""The ticket pages read a schedule's business calendar from this process's copy (core.reference_cache): built
once, rebuilt as soon as the schedule, its hours or its holidays change here."""

from __future__ import annotations

from datetime import date, time

import pytest

from sla.models import Holiday, WorkingHours
from sla.services import share_calendars

pytestmark = pytest.mark.django_db


class Timer:
    def __init__(self, definition):
        self.definition = definition


def calendar_of(definition, django_assert_num_queries, queries: int):
    timer = Timer(definition)
    with django_assert_num_queries(queries):
        share_calendars([timer], kept=True)
    return timer.__dict__["business"]


def test_a_kept_calendar_is_rebuilt_when_its_hours_or_holidays_change(office, make_definition,
                                                                      django_assert_num_queries):
    definition = make_definition("Resolve", schedule=office)
    first = calendar_of(definition, django_assert_num_queries, 2)  # its hours and holidays
    assert calendar_of(definition, django_assert_num_queries, 0) is first
    assert first.holidays == frozenset({date(2026, 11, 11)})

    Holiday.objects.create(schedule=office, date=date(2026, 12, 25), name="Christmas")
    second = calendar_of(definition, django_assert_num_queries, 2)
    assert date(2026, 12, 25) in second.holidays

    WorkingHours.objects.filter(schedule=office, weekday=0).delete()
    WorkingHours.objects.create(schedule=office, weekday=0, start=time(8), end=time(12))
    assert calendar_of(definition, django_assert_num_queries, 2).hours[0] == [(time(8), time(12))]

    definition.schedule.time_zone = "UTC"
    definition.schedule.save()
    assert str(calendar_of(definition, django_assert_num_queries, 2).tz) == "UTC"


def test_the_sla_engine_reads_calendars_afresh(office, make_definition, django_assert_num_queries):
    definition = make_definition("Resolve", schedule=office)
    timer = Timer(definition)
    share_calendars([timer], kept=True)
    with django_assert_num_queries(2):
        share_calendars([Timer(definition)])


def test_holidays_loaded_in_bulk_rebuild_the_kept_calendar(office, make_definition, django_assert_num_queries):
    from sla.calendars import load_holidays

    definition = make_definition("Resolve", schedule=office)
    calendar_of(definition, django_assert_num_queries, 2)
    load_holidays(definition.schedule, "FR", [2027])  # bulk_create: no signal, the loader clears it itself
    assert date(2027, 7, 14) in calendar_of(definition, django_assert_num_queries, 2).holidays
