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
    range_intervals,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = Schedule(
    PARIS,
    {d: [(time(8, 30), time(12)), (time(13), time(17, 30))] for d in range(5)},
    frozenset({date(2026, 12, 25), date(2027, 1, 1), date(2026, 11, 11)}),
)
NEW_YORK_NIGHTS = Schedule(ZoneInfo("America/New_York"), {d: [(time(22), END_OF_DAY), (time(0), time(6))]
                                                         for d in range(7)})
# Every night, ranges that open and close inside the DST gap (02:00-03:00) and overlap (02:00-03:00 twice) of Paris.
PARIS_NIGHTS = Schedule(PARIS, {d: [(time(1), time(2, 15)), (time(2, 45), time(4))] for d in range(7)})
SCHEDULES = [OFFICE, Schedule.always("UTC"), Schedule.always("Europe/London"), NEW_YORK_NIGHTS, PARIS_NIGHTS]
SPRING_FORWARD, FALL_BACK = date(2026, 3, 29), date(2026, 10, 25)  # Paris: 02:00 CET -> 03:00 CEST; 03:00 -> 02:00

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


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _one_night(ranges) -> Schedule:
    return Schedule(PARIS, {SPRING_FORWARD.weekday(): ranges})


def test_a_range_opening_inside_the_spring_forward_gap_runs_from_the_first_instant_that_exists():
    schedule = _one_night([(time(2, 30), time(4))])  # 02:30 does not exist: the clocks jump from 02:00 to 03:00
    assert list(intervals(schedule, _utc(SPRING_FORWARD, 0), _utc(SPRING_FORWARD, 12))) == [
        (_utc(SPRING_FORWARD, 1), _utc(SPRING_FORWARD, 2))]  # 03:00-04:00 CEST
    assert elapsed(schedule, _utc(SPRING_FORWARD, 0), _utc(SPRING_FORWARD, 12)) == timedelta(hours=1)
    assert add(schedule, _utc(SPRING_FORWARD, 0), timedelta(minutes=30)) == _utc(SPRING_FORWARD, 1, 30)


def test_a_range_closing_inside_the_spring_forward_gap_ends_when_the_clocks_jump():
    schedule = _one_night([(time(1), time(2, 30))])  # 01:00 CET until the jump at 02:00 CET = 03:00 CEST
    assert elapsed(schedule, _utc(SPRING_FORWARD, 0) - timedelta(hours=1), _utc(SPRING_FORWARD, 12)) == \
        timedelta(hours=1)
    assert add(schedule, _utc(SPRING_FORWARD, 0), timedelta(hours=1)) == _utc(SPRING_FORWARD, 1)


def test_a_range_entirely_inside_the_gap_never_runs():
    schedule = Schedule(PARIS, {SPRING_FORWARD.weekday(): [(time(2), time(2, 45))], 0: [(time(9), time(10))]})
    assert elapsed(schedule, _utc(SPRING_FORWARD, 0), _utc(SPRING_FORWARD, 12)) == timedelta(0)


def test_fall_back_ranges_count_each_pass_of_the_wall_clock():
    spanning = Schedule(PARIS, {FALL_BACK.weekday(): [(time(1), time(3))]})  # 02:00-03:00 happens twice
    assert elapsed(spanning, _utc(FALL_BACK, 0) - timedelta(hours=2), _utc(FALL_BACK, 12)) == timedelta(hours=3)
    # 02:30-04:00: 02:30-03:00 CEST (00:30-01:00 UTC), then 02:30-04:00 CET (01:30-03:00 UTC); not 02:00-02:30 CET
    inside = Schedule(PARIS, {FALL_BACK.weekday(): [(time(2, 30), time(4))]})
    assert list(intervals(inside, _utc(FALL_BACK, 0), _utc(FALL_BACK, 12))) == [
        (_utc(FALL_BACK, 0, 30), _utc(FALL_BACK, 1)), (_utc(FALL_BACK, 1, 30), _utc(FALL_BACK, 3))]
    assert add(inside, _utc(FALL_BACK, 0), timedelta(minutes=45)) == _utc(FALL_BACK, 1, 45)


@pytest.mark.parametrize(("day", "start", "end", "expected"), [
    (SPRING_FORWARD, time(2), time(3), []),  # the hour that does not exist
    (SPRING_FORWARD, time(2, 59, 59), time(3, 0, 1), [((1, 0), (1, 0, 1))]),
    (SPRING_FORWARD, time(1, 59), time(2, 1), [((0, 59), (1, 0))]),
    (SPRING_FORWARD, time(0), END_OF_DAY, [((-1, 0), (22, 0))]),  # a 23-hour day
    (FALL_BACK, time(2, 15), time(2, 45), [((0, 15), (0, 45)), ((1, 15), (1, 45))]),
    (FALL_BACK, time(0), END_OF_DAY, [((-2, 0), (23, 0))]),  # a 25-hour day
    (FALL_BACK, time(1), time(2, 30), [((-1, 0), (0, 30)), ((1, 0), (1, 30))]),
])
def test_range_intervals_on_dst_days(day, start, end, expected):
    def instant(parts):
        return _utc(day, 0) + timedelta(hours=parts[0], minutes=parts[1], seconds=(parts[2:] or (0,))[0])

    assert range_intervals(day, start, end, PARIS) == [(instant(lo), instant(hi)) for lo, hi in expected]


dst_instants = st.builds(
    lambda day, minutes: _utc(day, 0) + timedelta(minutes=minutes),
    st.sampled_from([SPRING_FORWARD, FALL_BACK, date(2027, 3, 28), date(2027, 10, 31)]),
    st.integers(min_value=-36 * 60, max_value=36 * 60),
)


@settings(max_examples=300, deadline=None)
@given(dst_instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=8)), dst_instants)
def test_dst_nights_keep_the_laws(start, duration, other):
    due = add(PARIS_NIGHTS, start, duration)
    assert elapsed(PARIS_NIGHTS, start, due) == duration
    a, b = sorted([start, other])
    assert elapsed(PARIS_NIGHTS, a, b) <= b - a
    for lo, hi in intervals(PARIS_NIGHTS, a, b):  # the clock only runs while the wall reads a working time
        for instant in (lo, hi - timedelta(microseconds=1)):
            wall = instant.astimezone(PARIS).time()
            assert time(1) <= wall < time(2, 15) or time(2, 45) <= wall < time(4), (lo, hi, wall)


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
