"""Availability against hand-computed cases: an outage clipped to the period, overlapping outages merged, planned
maintenance (a scheduled change on the service) taken out, a period (month) boundary, an ongoing outage, a partial
outage shown as degraded but not counted; all services and months in one query."""

from __future__ import annotations

import pytest

from availability import report
from availability.choices import Severity
from availability.report import Period
from tests.availability.conftest import at

pytestmark = pytest.mark.django_db

NOVEMBER = Period(at(11, 1), at(12, 1))  # 30 days: 2,592,000 s
NOW = at(12, 5, 16)
HOUR = 3600.0


def fig(service, period=NOVEMBER, now=NOW):
    return report.figure(service.pk, period, now=now)


def test_a_two_hour_outage_in_november(outage, service_email, service_vpn):
    outage(at(11, 10, 10), at(11, 10, 12))
    figure = fig(service_email)
    assert figure.downtime == 2 * HOUR
    assert figure.availability == round(100 * (1 - 7200 / 2_592_000), 3) == 99.722
    assert fig(service_vpn).availability == 100.0  # no outage of its own


def test_overlapping_outages_count_once(outage, service_email):
    outage(at(11, 10, 10), at(11, 10, 12))
    outage(at(11, 10, 11), at(11, 10, 13))  # 11:00-12:00 is down once, not twice
    outage(at(11, 10, 11, 30), at(11, 10, 11, 45))  # inside the others
    assert fig(service_email).downtime == 3 * HOUR


def test_an_outage_across_a_month_boundary_counts_in_each_month(outage, service_email):
    outage(at(10, 31, 22), at(11, 1, 3))
    october = Period(at(10, 1), at(11, 1))
    found = report.figures([october, NOVEMBER], [service_email.pk], now=NOW)
    assert found[(0, service_email.pk)].downtime == 2 * HOUR
    assert found[(1, service_email.pk)].downtime == 3 * HOUR
    assert found[(0, service_email.pk)].availability == round(100 * (1 - 7200 / (31 * 86400)), 3)


def test_planned_maintenance_of_a_scheduled_change_is_not_downtime(outage, change, service_email):
    outage(at(11, 10, 10), at(11, 10, 14))
    change(at(11, 10, 11), at(11, 10, 12), state="scheduled")  # 1 h of the 4 was planned
    figure = fig(service_email)
    assert (figure.downtime, figure.planned) == (3 * HOUR, 1 * HOUR)
    assert figure.availability == round(100 * (1 - 3 * 3600 / 2_592_000), 3)


def test_the_actual_window_of_a_closed_change_wins_over_the_planned_one(outage, change, service_email):
    outage(at(11, 10, 10), at(11, 10, 14))
    change(at(11, 10, 8), at(11, 10, 9), state="closed", actual=(at(11, 10, 13), at(11, 10, 15)))
    assert fig(service_email).downtime == 3 * HOUR  # 13:00-14:00 was the maintenance actually done


def test_only_changes_that_were_scheduled_and_on_the_service_exclude_time(outage, change, service_email,
                                                                          service_vpn):
    outage(at(11, 10, 10), at(11, 10, 14))
    change(at(11, 10, 10), at(11, 10, 11), state="assess")  # not scheduled: the outage was not planned
    change(at(11, 10, 10), at(11, 10, 11), state="cancelled")
    change(at(11, 10, 11), at(11, 10, 12), state="implement", service=service_vpn)  # another service
    assert fig(service_email).downtime == 4 * HOUR
    change(at(11, 10, 12), at(11, 10, 13), state="review", service=service_vpn, others=[service_email])
    assert fig(service_email).downtime == 3 * HOUR  # a change that also affects e-mail


def test_overlapping_maintenance_windows_are_merged_too(outage, change, service_email):
    outage(at(11, 10, 10), at(11, 10, 14))
    change(at(11, 10, 9), at(11, 10, 11), state="closed")
    change(at(11, 10, 10, 30), at(11, 10, 12), state="scheduled")
    figure = fig(service_email)
    assert (figure.downtime, figure.planned) == (2 * HOUR, 2 * HOUR)


def test_an_ongoing_outage_counts_up_to_now_in_a_period_cut_at_now(outage, service_email):
    outage(at(12, 5, 10))
    december = report.month_period(at(12, 1).date(), now=NOW)
    assert (december.since, december.until) == (at(12, 1), NOW)  # TIME_ZONE is UTC in the tests
    figure = fig(service_email, december)
    assert figure.downtime == 6 * HOUR
    assert figure.availability == round(100 * (1 - 6 / (4 * 24 + 16)), 3)


def test_a_partial_outage_is_degraded_time_not_downtime(outage, change, service_email):
    outage(at(11, 10, 10), at(11, 10, 12), severity=Severity.PARTIAL)
    change(at(11, 10, 11, 30), at(11, 10, 13), state="scheduled")
    figure = fig(service_email)
    assert (figure.downtime, figure.degraded, figure.availability) == (0.0, 1.5 * HOUR, 100.0)


def test_an_outage_outside_the_period_does_not_count(outage, service_email):
    outage(at(10, 1, 10), at(10, 1, 12))
    outage(at(12, 1, 0), at(12, 1, 2))  # starts when November ends: [since, until) is half-open
    assert fig(service_email).downtime == 0


def test_the_table_of_every_service_and_month_is_two_queries(outage, manager, service_email, service_vpn,
                                                              django_assert_num_queries):
    outage(at(11, 10, 10), at(11, 10, 12))
    outage(at(10, 31, 22), at(11, 1, 3), service=service_vpn)
    with django_assert_num_queries(2):
        periods, rows = report.table(manager, months=12, now=NOW)
    assert [p.label for p in periods][-2:] == ["2026-11", "2026-12"] and len(periods) == 12
    by_name = {row.service.name: row for row in rows}
    assert by_name["E-mail"].months[-2].downtime == 2 * HOUR
    assert by_name["VPN"].months[-3].downtime == 2 * HOUR and by_name["VPN"].months[-2].downtime == 3 * HOUR
    assert by_name["E-mail"].year.downtime == 2 * HOUR


def test_the_kpi_series_average_and_worst_per_month(outage, manager, agent_b, requester_a, service_email,
                                                    service_vpn, django_assert_max_num_queries):
    from datetime import date

    from availability import kpis
    from core import clock

    outage(at(11, 10, 10), at(11, 10, 12))
    months = [date(2026, 10, 1), date(2026, 11, 1), date(2027, 1, 1)]
    with clock.frozen(NOW):
        with django_assert_max_num_queries(2):
            average = kpis.availability_series(manager, months)
        assert average == [100.0, round((99.722 + 100) / 2, 3), None]  # January has not begun
        assert kpis.worst_availability_series(manager, months) == [100.0, 99.722, None]
        assert kpis.availability_series(agent_b, months) == [100.0, 100.0, None]  # network: VPN only
        assert kpis.availability_series(requester_a, months) == [None, None, None]
    assert kpis.availability_drill_url(months[1]) == "/agent/availability/"
