"""The registry takes a KPI of another app as the KPI contract describes it (a plain `(user, months)` series and a
`(month)` drill-down URL), and the rollup: the Celery task keeps the managers' default view, the kept values equal
the figures computed on the spot, an agent's scope is kept apart from the managers'."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import clock
from improvement import kpis, snapshots
from improvement.kpis import Kpi
from improvement.kpis.periods import last_months
from improvement.models import KpiSnapshot
from improvement.tasks import refresh_snapshots
from tests.improvement.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract_kpi():
    calls = []

    def csat_series(user, months):
        calls.append((user.username, list(months)))
        return [round(4.0 + month.month / 10, 4) for month in months]  # a value per month, wherever it is asked

    real = kpis.find("csat")  # the surveys' own, registered at start-up: put back afterwards
    kpi = kpis.register(Kpi(key="csat", label="Customer satisfaction", unit="score", higher_is_better=True,
                            series=csat_series, drill_url=lambda month: f"/manager/surveys/?month={month:%Y-%m}",
                            description="Mean score of the answers of the month.", order=5))
    yield kpi, calls
    kpis.unregister("csat")
    if real is not None:
        kpis.register(real)


def test_a_kpi_of_another_app_shows_on_the_dashboard_and_in_the_api(client, manager, contract_kpi):
    _kpi, calls = contract_kpi
    client.force_login(manager)
    with clock.frozen(NOW):
        page = client.get("/manager/kpis/", {"team": "", "priority": ""}).content.decode()
        api = client.get("/api/v1/kpis/csat/", {"months": 3}).json()
    assert 'data-testid="kpi-csat"' in page and "Customer satisfaction" in page
    assert 'href="/manager/surveys/?month=2026-11" data-testid="figure-csat-2026-11"' in page
    assert [p["value"] for p in api["series"]] == [4.9, 5.0, 5.1]  # September to November
    assert all(user == "manager" for user, _months in calls)


def test_the_task_keeps_the_default_view_and_the_dashboard_then_computes_nothing(kpi_world, manager, contract_kpi):
    _kpi, calls = contract_kpi
    with clock.frozen(NOW):
        kept = refresh_snapshots.apply().get()
        months = last_months(12)
        assert kept == len(kpis.registered()) * 12
        assert KpiSnapshot.objects.filter(scope="all", filters="").count() == kept
        calls.clear()
        rollup = snapshots.series_of(kpis.registered(), manager, months, {})
        assert calls == []  # every value read from the rollup
        fresh = snapshots.series_of(kpis.registered(), manager, months, {}, fresh=True)
        assert rollup.series == fresh.series
        # a second beat within the hour recomputes the running month only
        assert refresh_snapshots.apply().get() == len(kpis.registered())
    with clock.frozen(NOW + timedelta(minutes=55)):  # past months within 10 minutes of going stale: done again
        assert refresh_snapshots.apply().get() == len(kpis.registered()) * 12


def test_an_agent_scope_and_filters_are_kept_apart(kpi_world, manager, agent_b, team_network):
    with clock.frozen(NOW):
        months = [date(2026, 10, 1), date(2026, 11, 1)]
        ttr = [kpis.find("ttr_mean")]
        assert snapshots.series_of(ttr, agent_b, months).series["ttr_mean"] == [6.0, 3.0]
        assert snapshots.series_of(ttr, manager, months).series["ttr_mean"][1] == 6.5
        filtered = snapshots.series_of(ttr, manager, months, {"team": team_network.pk})
        assert filtered.series["ttr_mean"] == [6.0, 3.0]
        scopes = set(KpiSnapshot.objects.values_list("scope", "filters"))
    assert scopes == {(f"teams:{team_network.pk}", ""), ("all", ""), ("all", f"team={team_network.pk}")}
