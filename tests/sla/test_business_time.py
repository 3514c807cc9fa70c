"""Property-based and trap tests of the business-time functions (no database needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.business_time import (
    END_OF_DAY,
    Schedule,
    ScheduleError,
    add,
    elapsed,
    elapsed_excluding,
    intervals,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = Schedule(
    PARIS,
    {d: [(time(8, 30), time(12)), (time(13), time(17, 30))] for d in range(5)},
    frozenset({date(2026, 12, 25), date(2027, 1, 1), date(2026, 11, 11)}),
)
NEW_YORK_NIGHTS = Schedule(ZoneInfo("America/New_York"), {d: [(time(22), END_OF_DAY), (time(0), time(6))]
                                                         for d in range(7)})
SCHEDULES = [OFFICE, Schedule.always("UTC"), Schedule.always("Europe/London"), NEW_YORK_NIGHTS]

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
schedules = st.sampled_from(SCHEDULES)


@settings(max_examples=300, deadline=None)
@given(schedules, instants, durations)
def test_adding_then_measuring_gives_back_the_duration(schedule, start, duration):
    assert elapsed(schedule, start, add(schedule, start, duration)) == duration


@settings(max_examples=200, deadline=None)
@given(schedules, instants, durations, durations)
def test_add_is_monotonic(schedule, start, d1, d2):
    lo, hi = sorted([d1, d2])
    assert add(schedule, start, lo) <= add(schedule, start, hi)


@settings(max_examples=200, deadline=None)
@given(schedules, instants, instants, instants)
def test_elapsed_is_additive_and_monotonic(schedule, a, b, c):
    a, b, c = sorted([a, b, c])
    assert elapsed(schedule, a, c) == elapsed(schedule, a, b) + elapsed(schedule, b, c)
    assert elapsed(schedule, a, b) <= c - a


@settings(max_examples=200, deadline=None)
@given(instants, instants)
def test_closed_hours_and_holidays_never_count(a, b):
    a, b = sorted([a, b])
    for lo, hi in intervals(OFFICE, a, b):
        local_lo, local_hi = lo.astimezone(PARIS), (hi - timedelta(microseconds=1)).astimezone(PARIS)
        assert local_lo.date() == local_hi.date()
        assert local_lo.weekday() < 5 and local_lo.date() not in OFFICE.holidays
        assert time(8, 30) <= local_lo.time() and local_hi.time() < time(17, 30)
        assert not (time(12) <= local_lo.time() < time(13))


def _union(spans):
    merged = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


@settings(max_examples=300, deadline=None)
@given(schedules, instants, instants, st.lists(st.tuples(instants, instants), max_size=4))
def test_paused_time_never_counts(schedule, a, b, raw_pauses):
    a, b = sorted([a, b])
    pauses = [tuple(sorted(p)) for p in raw_pauses]
    clipped = [(max(a, lo), min(b, hi)) for lo, hi in pauses if max(a, lo) < min(b, hi)]
    paused = sum((elapsed(schedule, lo, hi) for lo, hi in _union(clipped)), timedelta(0))
    assert elapsed_excluding(schedule, a, b, pauses) == elapsed(schedule, a, b) - paused


def test_an_open_pause_runs_until_the_end():
    start = datetime(2026, 11, 2, 9, tzinfo=PARIS)  # Monday
    end = datetime(2026, 11, 2, 11, tzinfo=PARIS)
    assert elapsed_excluding(OFFICE, start, end, [(datetime(2026, 11, 2, 10, tzinfo=PARIS), None)]) == \
        timedelta(hours=1)


def test_a_weekend_and_a_holiday_do_not_count():
    friday_4pm = datetime(2026, 11, 6, 16, tzinfo=PARIS)  # Wed 11 Nov 2026 is a holiday
    # 1h30 left on Friday, Monday 8h, Tuesday 8h, Wednesday holiday, Thursday from 8:30
    due = add(OFFICE, friday_4pm, timedelta(hours=20))
    assert due == datetime(2026, 11, 12, 11, 0, tzinfo=PARIS)
    assert elapsed(OFFICE, friday_4pm, due) == timedelta(hours=20)


def test_lunch_break_does_not_count():
    assert add(OFFICE, datetime(2026, 11, 3, 11, tzinfo=PARIS), timedelta(hours=2)) == \
        datetime(2026, 11, 3, 14, tzinfo=PARIS)


def test_due_exactly_at_closing_time_is_closing_time():
    start = datetime(2026, 11, 3, 13, tzinfo=PARIS)
    assert add(OFFICE, start, timedelta(hours=4, minutes=30)) == datetime(2026, 11, 3, 17, 30, tzinfo=PARIS)


def test_dst_nights_count_their_real_length():
    london = Schedule.always("Europe/London")
    # 29 Mar 2026: clocks go forward (23-hour day); 25 Oct 2026: back (25-hour day)
    assert elapsed(london, datetime(2026, 3, 29, tzinfo=london.tz), datetime(2026, 3, 30, tzinfo=london.tz)) == \
        timedelta(hours=23)
    assert elapsed(london, datetime(2026, 10, 25, tzinfo=london.tz), datetime(2026, 10, 26, tzinfo=london.tz)) == \
        timedelta(hours=25)


def test_due_time_in_a_dst_change_night():
    ny = NEW_YORK_NIGHTS  # works 22:00-06:00 local; 1 Nov 2026 02:00 EDT -> 01:00 EST (a 9-hour night)
    start = datetime(2026, 10, 31, 22, tzinfo=ny.tz)
    assert elapsed(ny, start, datetime(2026, 11, 1, 6, tzinfo=ny.tz)) == timedelta(hours=9)
    due = add(ny, start, timedelta(hours=4))
    assert due.astimezone(UTC) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST, the second 1 a.m.
    assert elapsed(ny, start, due) == timedelta(hours=4)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        elapsed(OFFICE, datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_schedules_without_working_time_are_refused():
    with pytest.raises(ScheduleError):
        Schedule(PARIS, {})
    with pytest.raises(ScheduleError):
        Schedule(PARIS, {0: [(time(10), time(9))]})


def test_zero_duration_is_the_start():
    start = datetime(2026, 11, 7, 12, tzinfo=PARIS)  # a Saturday
    assert add(OFFICE, start, timedelta(0)) == start
