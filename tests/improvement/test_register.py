"""The improvement register: raising an action from a KPI figure (its value then is kept as "before"), editing it,
closing it (the "after" value is frozen), reopening it (thawed), and who may do what; its pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core import clock
from improvement import services
from improvement.models import ActionStatus, ImprovementAction
from incidents import services as incident_services
from incidents.choices import State
from tests.improvement.conftest import NOW

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


@pytest.fixture
def now():
    with clock.frozen(NOW):
        yield NOW


def raise_one(manager, owner, **extra):
    return services.raise_action(manager, {"kpi": "ttr_mean", "month": NOV, "title": "Add a VPN runbook",
                                           "owner": owner, **extra})


def test_an_action_keeps_the_value_of_its_figure_and_freezes_the_after_value_when_done(kpi_world, manager,
                                                                                        agent_a, now):
    action = raise_one(manager, agent_a, filters={"team": None, "kind": "incident"})
    assert (action.value_before, action.status, action.created_by) == (6.5, ActionStatus.OPEN, manager)
    assert action.filters == {"kind": "incident"}
    assert services.latest_value(action, manager) == (6.5, NOV)
    # a quick resolution this month lowers the running month's mean: the "after" value follows while open
    with clock.frozen(NOW - timedelta(hours=1)):
        incident = incident_services.create_incident(manager, {"title": "Quick", "description": ".",
                                                               "requester": kpi_world.incidents["nov_open"].requester})
    with clock.frozen(NOW):
        incident_services.transition(incident, manager, State.RESOLVED, resolution_code="solved",
                                     resolution_notes="Done.")
        assert services.latest_value(action, manager)[0] == pytest.approx((10 + 3 + 1) / 3, abs=1e-3)
        done = services.update_action(manager, action, {"status": ActionStatus.DONE})
    assert done.value_after == pytest.approx(14 / 3, abs=1e-3) and done.after_month == NOV
    assert done.closed_at == NOW
    later = NOW + timedelta(days=1)
    with clock.frozen(later):
        incident_services.create_incident(manager, {"title": "Open", "description": ".",
                                                    "requester": kpi_world.incidents["nov_open"].requester})
        assert services.latest_value(done, manager)[0] == pytest.approx(14 / 3, abs=1e-3)  # frozen
        reopened = services.update_action(manager, done, {"status": ActionStatus.IN_PROGRESS})
    assert reopened.value_after is None and reopened.closed_at is None


def test_writes_are_checked_and_managers_only(kpi_world, manager, agent_a, requester_a, now):
    with pytest.raises(PermissionDenied):
        raise_one(agent_a, agent_a)
    with pytest.raises(ValidationError) as owner:
        raise_one(manager, requester_a)
    assert "owner" in owner.value.message_dict
    with pytest.raises(ValidationError) as kpi:
        services.raise_action(manager, {"kpi": "nope", "title": "x", "owner": agent_a})
    assert "kpi" in kpi.value.message_dict
    with pytest.raises(ValidationError) as future:
        raise_one(manager, agent_a, month=date(2027, 1, 1))
    assert "month" in future.value.message_dict
    action = raise_one(manager, agent_a)
    with pytest.raises(ValidationError) as field:
        services.update_action(manager, action, {"kpi": "fcr"})
    assert "kpi" in field.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_action(agent_a, action, {"status": ActionStatus.DONE})


def test_raising_an_action_from_a_figure_of_the_dashboard(client, kpi_world, manager, agent_a, team_network, now):
    client.force_login(manager)
    page = client.get("/manager/kpis/", {"team": team_network.pk}).content.decode()
    link = re.search(r'<a class="small" href="([^"]+)" data-testid="raise-ttr_mean-2026-10"', page).group(1)
    link = link.replace("&amp;", "&")
    form = client.get(link)
    assert form.status_code == 200
    text = form.content.decode()
    assert "Mean time to resolve" in text and f'name="team" value="{team_network.pk}"' in text
    response = client.post(link.split("?")[0], {
        "title": "Pair network agents with the desk", "description": "<b>Weekly</b>", "owner": agent_a.pk,
        "due_date": "2026-12-31", "status": "open", "kpi": "ttr_mean", "month": "2026-10",
        "team": team_network.pk})
    action = ImprovementAction.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("improvement-page", args=[action.pk])
    assert (action.value_before, action.filters, action.month) == (6.0, {"team": team_network.pk}, date(2026, 10, 1))
    detail = client.get(response["Location"]).content.decode()
    assert "Pair network agents with the desk" in detail and "&lt;b&gt;Weekly&lt;/b&gt;" in detail
    assert 'data-testid="value-before">6.0 h<' in detail and 'data-testid="value-after">3.0 h<' in detail
    assert "Better than before." in detail
    register = client.get(reverse("improvement-register")).content.decode()
    assert register.count('data-testid="action-row"') == 1 and "Open" in register and "open<" not in register


def test_the_action_form_names_the_fields_at_fault_and_editing_closes_an_action(client, kpi_world, manager,
                                                                                agent_a, now):
    client.force_login(manager)
    bad = client.post(reverse("improvement-new"), {"title": "", "owner": "", "kpi": "ttr_mean", "month": "2027-03"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "The month cannot be in the future." in text and "This field is required." in text
    action = raise_one(manager, agent_a)
    edit = reverse("improvement-edit", args=[action.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"title": "Runbook written", "owner": agent_a.pk, "status": "done",
                                  "description": "", "due_date": ""})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.status, action.value_after) == ("Runbook written", "done", 6.5)
    page = client.get(reverse("improvement-page", args=[action.pk])).content.decode()
    assert "Frozen when the action was closed." in page and "Done" in page


def test_only_managers_open_the_register(client, users, kpi_world, now):
    action = raise_one(users["manager"], users["agent_a"])
    pages = [reverse("improvement-register"), reverse("improvement-page", args=[action.pk]),
             reverse("improvement-new"), reverse("improvement-edit", args=[action.pk])]
    for name in ("requester_a", "agent_a"):
        client.force_login(users[name])
        assert [client.get(url).status_code for url in pages] == [403] * 4
    client.force_login(users["manager"])
    assert [client.get(url).status_code for url in pages] == [200] * 4
    assert client.get(reverse("improvement-page", args=[action.pk + 100])).status_code == 404
    assert client.get(reverse("improvement-register"), {"status": "bogus"}).status_code == 400
