"""Business-time arithmetic: every SLA clock computation goes through these pure functions.

A `Schedule` says when the clock runs: working ranges per weekday in a time zone (several a day allowed),
minus holidays. Instants are aware datetimes; arithmetic is done in UTC on intervals built from local wall
times with zoneinfo, so a day that has 23 or 25 hours (DST) counts exactly what it has: the clock runs while
the local wall clock reads a working time (`range_intervals`), so a range opening inside a spring-forward gap
runs from the first instant that exists, and one spanning a fall-back overlap counts the repeated hour twice.

- `elapsed(schedule, start, end)`: business time between two instants;
- `add(schedule, start, duration)`: the instant when `duration` of business time has passed after `start`;
- `elapsed_excluding(schedule, start, end, pauses)`: business time outside the given pause intervals.

For every schedule with some working time: `elapsed(s, t, add(s, t, d)) == d`, `add` is monotonic in `d`,
and time outside the working ranges or on holidays never counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
MAX_DAYS_SEARCHED = 3 * 366  # a schedule open less than once in three years is treated as never open
END_OF_DAY = time(0)  # as the end of a range: midnight at the end of the day (24:00)


class ScheduleError(ValueError):
    """A schedule that cannot be used (no working time at all, an empty or reversed range)."""


@dataclass(frozen=True)
class Schedule:
    """Working ranges per weekday (0 = Monday) in local wall time, a time zone and holidays (local dates).

    A range is (start, end) with end > start, or end == time(0) meaning midnight at the end of the day.
    """

    tz: ZoneInfo
    hours: Mapping[int, Sequence[tuple[time, time]]]
    holidays: frozenset[date] = field(default_factory=frozenset)
    always_open: bool = False  # 24x7: the clock is wall-clock time (fast path, no calendar walk)

    def __post_init__(self) -> None:
        for weekday, ranges in self.hours.items():
            if weekday not in range(7):
                raise ScheduleError(f"weekday {weekday} is not 0 (Monday) .. 6 (Sunday)")
            for start, end in ranges:
                if end != END_OF_DAY and end <= start:
                    raise ScheduleError(f"range {start}-{end} on weekday {weekday} is empty or reversed")
        if not any(self.hours.get(d) for d in range(7)):
            raise ScheduleError("the schedule has no working hours at all")

    @classmethod
    def always(cls, tz: str = "UTC") -> Schedule:
        """The 24x7 schedule."""
        return cls(ZoneInfo(tz), {d: [(time(0), END_OF_DAY)] for d in range(7)}, always_open=True)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of one local date, as UTC instants, merged and sorted."""
        if day in self.holidays:
            return []
        ranges = self.hours.get(day.weekday(), ())
        if _offset_changes(day, self.tz):
            spans = sorted(span for start, end in ranges for span in range_intervals(day, start, end, self.tz))
        else:  # the usual day (fast path): each wall time is one instant
            spans = []
            for start, end in sorted(ranges):
                end_day = day + timedelta(days=1) if end == END_OF_DAY else day
                lo = datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC)
                hi = datetime.combine(end_day, end, tzinfo=self.tz).astimezone(UTC)
                if hi > lo:
                    spans.append((lo, hi))
        out: list[tuple[datetime, datetime]] = []
        for lo, hi in spans:
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out


@lru_cache(maxsize=8192)
def _offset_changes(day: date, tz: ZoneInfo) -> bool:
    """Whether the UTC offset of `tz` changes during the local `day` (a DST change, or a zone's new offset)."""
    return (datetime.combine(day, time(0), tzinfo=tz).utcoffset()
            != datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).utcoffset())


def _readings(day: date, wall: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants zoneinfo gives a local wall time with fold=0 and fold=1.

    Equal for an ordinary time; the two occurrences of a time repeated by a fall-back overlap; for a time
    skipped by a spring-forward gap, the readings with the offsets before and after the jump (neither exists).
    """
    local = datetime.combine(day, wall, tzinfo=tz)
    return local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)


def _jump(a: datetime, b: datetime, tz: ZoneInfo) -> datetime:
    """The instant between the two readings of a wall time at which the UTC offset of `tz` changes."""
    lo, hi = sorted((a, b))
    offset = hi.astimezone(tz).utcoffset()
    below, above = 0, (hi - lo) // timedelta(microseconds=1)  # about 33 halvings for a one-hour change
    while above - below > 1:
        middle = (below + above) // 2
        if (lo + timedelta(microseconds=middle)).astimezone(tz).utcoffset() == offset:
            above = middle
        else:
            below = middle
    return lo + timedelta(microseconds=above)


def range_intervals(day: date, start: time, end: time, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The UTC instants at which the local clock reads a time in [start, end) on `day` (end 00:00 = 24:00).

    One interval, except on a DST change when a bound falls in the changed hour. The clock runs only while
    the wall clock reads a working time: a range opening in a spring-forward gap (02:30 in Paris on 29 March
    2026) opens when the clocks jump (03:00 CEST = 01:00 UTC); one closing in it closes then; a range with a
    bound in a fall-back overlap counts each pass of the wall clock through it (02:30-04:00 on 25 October 2026
    is 02:30-03:00 CEST and 02:30-04:00 CET, two hours).
    """
    end_day = day + timedelta(days=1) if end == END_OF_DAY else day
    start_early, start_late = _readings(day, start, tz)
    end_early, end_late = _readings(end_day, end, tz)
    if start_early == start_late and end_early == end_late:
        return [(start_early, end_early)] if end_early > start_early else []
    jump = _jump(start_early, start_late, tz) if start_early != start_late else _jump(end_early, end_late, tz)
    parts = [(start_early, min(end_early, jump)), (max(start_late, jump), end_late)]
    return [(lo, hi) for lo, hi in parts if hi > lo]


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("business-time functions need aware datetimes")
    return value.astimezone(UTC)


def _local_date(schedule: Schedule, instant: datetime) -> date:
    return instant.astimezone(schedule.tz).date()


def intervals(schedule: Schedule, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working intervals that overlap [start, end), clipped to it, in order (UTC)."""
    start, end = _to_utc(start), _to_utc(end)
    if end <= start:
        return
    # A local day's intervals can begin the previous UTC day: start one local day early to be safe.
    day = _local_date(schedule, start) - timedelta(days=1)
    last = _local_date(schedule, end)
    while day <= last:
        for lo, hi in schedule.day_intervals(day):
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi:
                yield lo, hi
        day += timedelta(days=1)


def elapsed(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Business time in [start, end); zero when end <= start."""
    if schedule.always_open:
        return max(_to_utc(end) - _to_utc(start), ZERO)
    return sum((hi - lo for lo, hi in intervals(schedule, start, end)), ZERO)


def add(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The first instant at which `duration` of business time has elapsed since `start`.

    A zero duration gives `start` itself. When the duration ends exactly at a closing time, that closing
    time is the answer (not the next opening).
    """
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    start = _to_utc(start)
    if duration == ZERO or schedule.always_open:
        return start + duration
    remaining = duration
    day = _local_date(schedule, start) - timedelta(days=1)
    for _ in range(MAX_DAYS_SEARCHED + 2):
        for lo, hi in schedule.day_intervals(day):
            lo = max(lo, start)
            if hi <= lo:
                continue
            if hi - lo >= remaining:
                return lo + remaining
            remaining -= hi - lo
        day += timedelta(days=1)
    raise ScheduleError(f"the schedule has no working time for {MAX_DAYS_SEARCHED} days after {start:%Y-%m-%d}")


def subtract_pauses(
    spans: Iterable[tuple[datetime, datetime]], pauses: Iterable[tuple[datetime, datetime | None]], now: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of `spans` outside every pause ([start, end) pairs; an open pause runs until `now`)."""
    cuts = sorted((_to_utc(a), _to_utc(b) if b is not None else _to_utc(now)) for a, b in pauses)
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        lo, hi = _to_utc(lo), _to_utc(hi)
        for a, b in cuts:
            if b <= lo or a >= hi:
                continue
            if a > lo:
                out.append((lo, a))
            lo = max(lo, b)
            if lo >= hi:
                break
        if lo < hi:
            out.append((lo, hi))
    return out


def elapsed_excluding(
    schedule: Schedule, start: datetime, end: datetime, pauses: Iterable[tuple[datetime, datetime | None]]
) -> timedelta:
    """Business time in [start, end) outside the pauses."""
    running = subtract_pauses([(start, end)], pauses, end)
    return sum((elapsed(schedule, lo, hi) for lo, hi in running), ZERO)
