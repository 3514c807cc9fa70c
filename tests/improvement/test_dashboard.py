"""The KPI dashboard (/manager/kpis/): who may open it, its cards and figures, the drill-down from a month's figure
to the tickets behind it, the filters (bad ones answer 400 naming the field), the CSV, targets with red/amber/green,
and a number of queries that does not grow with the tickets."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from core import clock
from improvement import kpis, services
from improvement.models import KpiSnapshot, KpiTarget
from incidents import services as incident_services
from tests.improvement.conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/manager/kpis/"


@pytest.fixture
def now():
    with clock.frozen(NOW):
        yield NOW


def test_only_managers_open_the_dashboard_and_its_drill_pages(client, users, now):
    drill = reverse("kpi-drill", args=["ttr_mean", "2026-11"])
    for name, status in (("requester_a", 403), ("agent_a", 403), ("manager", 200), ("admin", 200)):
        client.force_login(users[name])
        assert client.get(URL).status_code == status, name
        assert client.get(drill).status_code == status, name
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_manager_home_links_the_kpi_dashboard_and_the_register(client, manager):
    client.force_login(manager)
    page = client.get(reverse("manager-home")).content.decode()
    assert 'href="/manager/kpis/"' in page and 'href="/manager/improvements/"' in page


def test_each_kpi_is_a_card_with_its_months_linked_to_the_tickets_behind_them(client, kpi_world, manager, now):
    client.force_login(manager)
    page = client.get(URL).content.decode()
    for key in ("ttr_mean", "ttr_median", "fcr", "reopen_rate", "backlog", "sla_compliance", "change_success",
                "change_incidents", "deflections"):
        assert f'data-testid="kpi-{key}"' in page
    # November's mean time to resolve: (10 + 3) / 2 hours, linked to its drill page
    link = re.search(r'<a href="([^"]+)" data-testid="figure-ttr_mean-2026-11">([^<]+)</a>', page)
    assert link and link.group(2) == "6.5 h"
    drill = client.get(link.group(1).replace("&amp;", "&"))
    assert drill.status_code == 200
    numbers = set(re.findall(r">(INC\d+)</a>", drill.content.decode()))
    assert numbers == {kpi_world.incidents["nov_reopened"].number, kpi_world.incidents["nov_vpn"].number}
    assert "10.0 h" in drill.content.decode() and "3.0 h" in drill.content.decode()
    # the SLA figure drills into the incident queue, as the SLA dashboard does
    sla = re.search(r'<a href="([^"]+)" data-testid="figure-sla_compliance-2026-10">', page).group(1)
    assert sla.startswith("/agent/incidents/") and "sla_stage=achieved" in sla and "sla_stopped_after" in sla


def test_every_drill_page_lists_as_many_rows_as_its_figure_counts(client, kpi_world, manager, now):
    client.force_login(manager)
    expected = {("backlog", "2026-11"): 1, ("fcr", "2026-10"): 3, ("reopen_rate", "2026-11"): 2,
                ("change_success", "2026-10"): 1, ("change_incidents", "2026-11"): 1, ("deflections", "2026-11"): 1}
    for (key, month), rows in expected.items():
        page = client.get(reverse("kpi-drill", args=[key, month])).content.decode()
        assert page.count('data-testid="drill-row"') == rows, key
    reopened = client.get(reverse("kpi-drill", args=["reopen_rate", "2026-11"])).content.decode()
    assert "Yes" in reopened and "No" in reopened  # which of the two was reopened afterwards
    change = client.get(reverse("kpi-drill", args=["change_success", "2026-10"])).content.decode()
    assert "Successful" in change and "successful<" not in change  # the outcome's label, not its code


def test_unknown_kpi_or_month_is_a_404_and_bad_filters_a_400_naming_the_field(client, manager, now):
    client.force_login(manager)
    assert client.get(reverse("kpi-drill", args=["nope", "2026-11"])).status_code == 404
    assert client.get(reverse("kpi-drill", args=["sla_compliance", "2026-11"])).status_code == 404
    assert client.get(reverse("kpi-drill", args=["backlog", "2026-13"])).status_code == 404
    for params, field in (({"team": "x"}, "team"), ({"team": "999999"}, "team"), ({"kind": "chores"}, "kind"),
                          ({"priority": "9"}, "priority"), ({"service": "-1"}, "service")):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert f'id="f-{field}-errors"' in response.content.decode()
        assert client.get(URL, {**params, "export": "csv"}).status_code == 400
    assert client.get(URL, {"export": "pdf"}).status_code == 400


def test_filters_narrow_the_figures_and_follow_the_links(client, kpi_world, manager, team_network, now):
    client.force_login(manager)
    page = client.get(URL, {"team": team_network.pk}).content.decode()
    link = re.search(r'<a href="([^"]+)" data-testid="figure-ttr_mean-2026-11">([^<]+)</a>', page)
    assert link.group(2) == "3.0 h" and f"team={team_network.pk}" in link.group(1)
    drill = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r">(INC\d+)</a>", drill) == [kpi_world.incidents["nov_vpn"].number]


def test_the_csv_has_a_row_per_kpi_and_month(client, kpi_world, manager, now):
    client.force_login(manager)
    response = client.get(URL, {"export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["KPI", "Unit", "Month", "Value", "Target", "Amber band", "Status", "Filters"]
    assert len(rows) == 1 + len(kpis.registered()) * 12
    assert ["Mean time to resolve", "hours", "2026-11", "6.5", "", "", "No figure or no target", ""] in rows


def test_a_manager_sets_a_target_and_the_card_turns_red_amber_or_green(client, kpi_world, manager, now):
    client.force_login(manager)
    response = client.post(reverse("kpi-target"), {"kpi": "ttr_mean", "ttr_mean-kpi": "ttr_mean",
                                                   "ttr_mean-target": "6", "ttr_mean-amber_band": "1",
                                                   "next": URL})
    assert response.status_code == 302 and response["Location"] == f"{URL}#kpi-ttr_mean"
    target = KpiTarget.objects.get(kpi="ttr_mean")
    assert (target.target, target.amber_band, target.updated_by) == (6.0, 1.0, manager)
    page = client.get(URL).content.decode()
    assert re.search(r'data-testid="status-ttr_mean">Near target<', page)  # 6.5 h: within 1 h above 6 h
    services.set_target(manager, "ttr_mean", 5, 1)
    assert "status-ttr_mean\">Off target<" in client.get(URL).content.decode()
    services.set_target(manager, "ttr_mean", 7, 0)
    assert "status-ttr_mean\">On target<" in client.get(URL).content.decode()


def test_a_bad_target_is_refused_naming_the_field_and_agents_cannot_set_one(client, manager, agent_a, now):
    client.force_login(manager)
    bad = client.post(reverse("kpi-target"), {"kpi": "ttr_mean", "ttr_mean-target": "soon"})
    assert bad.status_code == 400 and "target" in bad.content.decode()
    negative = client.post(reverse("kpi-target"), {"kpi": "fcr", "fcr-target": "80", "fcr-amber_band": "-1"})
    assert negative.status_code == 400 and "amber_band" in negative.content.decode()
    assert client.post(reverse("kpi-target"), {"kpi": "nope", "nope-target": "1"}).status_code == 400
    client.force_login(agent_a)
    assert client.post(reverse("kpi-target"), {"kpi": "fcr", "fcr-target": "80"}).status_code == 403
    assert not KpiTarget.objects.exists()


def test_rag_against_the_direction_of_the_kpi():
    target = KpiTarget(kpi="fcr", target=80, amber_band=5)
    assert [services.rag(v, target, True) for v in (85, 80, 76, 75, 70, None)] == [
        "green", "green", "amber", "amber", "red", "none"]
    assert [services.rag(v, target, False) for v in (70, 80, 84, 85, 86)] == [
        "green", "green", "amber", "amber", "red"]
    assert services.rag(50, None, True) == "none"


def test_the_dashboard_reads_kept_values_and_its_queries_do_not_grow_with_tickets(
        client, kpi_world, manager, requester_a, service_email, django_assert_max_num_queries, now):
    client.force_login(manager)
    for key in ("ttr_mean", "fcr", "backlog"):  # targets, with who set them
        services.set_target(manager, key, 10, 1)
    client.get(URL)  # computes and keeps every month
    assert KpiSnapshot.objects.filter(scope="all").count() == len(kpis.registered()) * 12
    with django_assert_max_num_queries(14) as first:
        assert client.get(URL).status_code == 200
    for i in range(15):
        with clock.frozen(NOW - timedelta(days=40, hours=i)):
            incident_services.create_incident(manager, {"title": f"More {i}", "description": ".",
                                                        "service": service_email, "requester": requester_a})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(URL).status_code == 200


def test_the_drill_page_queries_do_not_grow_with_its_rows(client, kpi_world, manager, requester_a, service_email,
                                                         django_assert_max_num_queries, now):
    client.force_login(manager)
    url = reverse("kpi-drill", args=["backlog", "2026-11"])
    with django_assert_max_num_queries(12) as first:
        assert client.get(url).content.decode().count('data-testid="drill-row"') == 1
    for i in range(12):
        with clock.frozen(NOW - timedelta(hours=i + 1)):
            incident_services.create_incident(manager, {"title": f"Open {i}", "description": ".",
                                                        "service": service_email, "requester": requester_a})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).content.decode().count('data-testid="drill-row"') == 13


def test_a_stale_kept_value_is_computed_again(client, kpi_world, manager, settings, now):
    client.force_login(manager)
    client.get(URL)
    KpiSnapshot.objects.filter(kpi="backlog", month="2026-10-01").update(value=42.0)
    page = client.get(URL).content.decode()
    assert 'data-testid="figure-backlog-2026-10">42<' in page  # kept values are read while fresh
    KpiSnapshot.objects.update(computed_at=NOW - timedelta(minutes=settings.KPI_SNAPSHOT_MINUTES + 1))
    page = client.get(URL).content.decode()
    assert 'data-testid="figure-backlog-2026-10">0<' in page
