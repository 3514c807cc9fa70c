"""The forecast: a least-squares line fitted in PostgreSQL over the metric's window, extended to its capacity;
exact on a linear series, "not rising" on flat and falling ones, blind to samples outside the window; and the
report's order (closest to exhaustion first, then the fullest)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from capacity import forecast
from capacity.choices import Outlook
from capacity.models import Metric
from tests.capacity.conftest import NOW, series

pytestmark = pytest.mark.django_db


def outlook_of(metric: Metric, now=NOW) -> forecast.Forecast:
    return forecast.outlook(forecast.rows(now, ids=[metric.pk])[0], now)


def test_a_linear_series_reaches_its_capacity_on_the_exact_day(storage):
    # 30 daily samples rising 10 GB a day from 100: 390 GB today, 610 GB to go = 61 days
    series(storage, [100 + 10 * day for day in range(30)])
    seen = outlook_of(storage)
    assert seen.outlook == Outlook.DATE and seen.samples == 30
    assert seen.slope_per_day == pytest.approx(10)
    assert abs(seen.reach_at - (NOW + timedelta(days=61))) < timedelta(seconds=5)
    assert seen.label == "04 Feb 2027" and seen.days_left(NOW) == 61


def test_hourly_samples_fit_the_same_line(storage):
    # rising 1 GB an hour (24 a day) from 500: 500 + 24*6.958 = 667 today; (1000 - 667) / 24 = 13.875 days
    values = [500 + hour for hour in range(168)]
    series(storage, values, step=timedelta(hours=1))
    seen = outlook_of(storage)
    assert seen.slope_per_day == pytest.approx(24)
    assert abs(seen.reach_at - (NOW + timedelta(hours=(1000 - 667)))) < timedelta(seconds=5)


@pytest.mark.parametrize("values", [[400] * 20, [600 - 5 * day for day in range(20)]], ids=["flat", "falling"])
def test_flat_and_falling_series_are_not_rising(storage, values):
    series(storage, values)
    seen = outlook_of(storage)
    assert seen.outlook == Outlook.NOT_RISING and seen.reach_at is None and seen.days_left(NOW) is None


def test_a_slow_rise_is_not_within_a_year_and_one_sample_is_too_few(storage, cpu):
    series(storage, [100 + day * 0.5 for day in range(60)])  # 1,770 days to go
    assert outlook_of(storage).outlook == Outlook.BEYOND
    series(cpu, [30])
    assert outlook_of(cpu).outlook == Outlook.UNKNOWN


def test_a_metric_at_its_capacity_has_reached_it(storage):
    series(storage, [900, 950, 1000])
    seen = outlook_of(storage)
    assert seen.outlook == Outlook.REACHED and seen.days_left(NOW) == 0


def test_only_the_window_counts(storage):
    storage.window_days = 30
    storage.save()
    # 60 days falling, then 30 days rising 5 a day: only the rise is fitted
    series(storage, [900 - 5 * day for day in range(60)], end=NOW - timedelta(days=30))
    series(storage, [200 + 5 * day for day in range(30)])
    seen = outlook_of(storage)
    assert seen.samples == 30 and seen.slope_per_day == pytest.approx(5)
    # 345 today: (1000 - 345) / 5 = 131 days
    assert abs(seen.reach_at - (NOW + timedelta(days=131))) < timedelta(seconds=5)


def test_the_report_lists_the_closest_to_exhaustion_first(storage, cpu, licences, fs01):
    soon = Metric.objects.create(name="Inodes", unit="", capacity=1000, ci=fs01)
    series(storage, [100 + 10 * day for day in range(30)])  # 61 days
    series(soon, [500 + 20 * day for day in range(10)])  # 680 today: 16 days
    series(cpu, [95] * 10)  # flat but 95% full
    series(licences, [100] * 10)  # flat, 20%
    order = [m.name for m in forecast.rows(NOW)]
    assert order == ["Inodes", "Storage", "CPU", "Licences"]
    first = forecast.rows(NOW, limit=1)
    assert [m.name for m in first] == ["Inodes"] and first[0].ci_name == "fs-01"
    assert forecast.rows(NOW, ids=[licences.pk])[0].service_name == "E-mail"
