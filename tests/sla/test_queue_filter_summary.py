"""The queue's "Also filtered by" line (the SLA dashboard's drill-downs): labels, names, Yes/No and dates in the
reader's time zone, never the raw choice values, True/False or microsecond UTC timestamps of the URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from core import clock
from incidents import services
from incidents.choices import State

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    match = re.search(r'data-testid="hidden-filters">(.*?)</p>', html, re.S)
    assert match, "the queue summarises the filters its panel does not show"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1)))


def test_drill_down_summary_reads_in_labels_names_and_local_time(client, requester_a, agent_a, make_incident,
                                                                always, make_definition):
    definition = make_definition("Resolution 1h", schedule=always, hours=1)
    with clock.frozen(clock.now() - timedelta(hours=3)):
        late = services.take(make_incident(requester_a, title="Fixed late"), agent_a)
    services.transition(late, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="done")
    agent_a.time_zone = "Europe/Paris"
    agent_a.save()
    params = [
        ("queue", "recent"), ("sla_breached", "true"), ("sla_at_risk", "false"),
        ("sla_stage", "breached"), ("sla_stage", "in_progress"), ("sla_target", "resolution"),
        ("sla_definition", str(definition.pk)), ("requester", str(requester_a.pk)), ("major", "false"),
        ("sla_breached_after", "2026-11-03T16:26:04.670809+00:00"),
        ("sla_breached_before", "2099-12-03T16:26:04.670809+00:00"),
    ]
    client.force_login(agent_a)
    html = client.get(reverse("agent-incidents") + "?" + urlencode(params)).content.decode()
    assert "Fixed late" in html
    summary = _summary(html)
    for expected in (
        "SLA breached: Yes", "SLA at risk (past its last warning, not breached yet): No",
        "SLA stage: Breached, In progress", "SLA target: Resolution", "SLA definition: Resolution 1h",
        f"Caller: {requester_a.display_name}", "Major incident: No",
        "SLA breached from: 3 Nov 2026, 17:26",  # 16:26 UTC is 17:26 in Paris, to the minute
        "SLA breached before: 3 Dec 2099, 17:26",
    ):
        assert expected in summary, summary
    assert not re.search(r"True|False|in_progress|\d\d:\d\d:\d\d|\.\d{6}|\+00:00", summary), summary
    # the filters themselves are kept exactly as given (hidden inputs), so nothing is lost on the next submit
    assert '<input type="hidden" name="sla_breached_after" value="2026-11-03T16:26:04.670809+00:00">' in html


def test_an_invalid_hidden_filter_is_quoted_as_typed(client, agent_a):
    client.force_login(agent_a)
    response = client.get(reverse("agent-incidents") + "?sla_breached=maybe&sla_stage=breached")
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert "SLA breached: “maybe”" in summary and "SLA stage: Breached" in summary


def test_an_opened_date_with_a_time_stays_visible_in_the_filter_panel(client, agent_a):
    """A drill-down's `opened_after` instant is shown (local time, to the minute) instead of an empty date box
    that would silently drop the filter on the next "Apply filters"."""
    agent_a.time_zone = "Europe/Paris"
    agent_a.save()
    client.force_login(agent_a)
    html = client.get(reverse("agent-incidents") + "?opened_after=2026-11-26T07:33:23.979472%2B00:00"
                      "&opened_before=2026-12-01").content.decode()
    assert re.search(r'<input type="datetime-local" name="opened_after" value="2026-11-26T08:33"', html), html
    assert re.search(r'<input type="date" name="opened_before" value="2026-12-01"', html)
    assert "979472" not in html.split('data-testid="filter-form"')[1].split("</form>")[0]


def test_assignee_filter_options_are_names_of_the_users_teams_and_those_chosen(client, agent_a, agent_b, manager):
    def options(user, **params) -> str:
        client.force_login(user)
        html = client.get(reverse("agent-incidents"), params).content.decode()
        return html.split('name="assignee" class="form-select" id="id_assignee"')[1].split("</select>")[0]

    select = options(agent_a)
    assert f">{agent_a.display_name}</option>" in select and f">{agent_a.username}</option>" not in select
    assert agent_b.display_name not in select  # another team's agent: not among hundreds of options
    assert f">{agent_b.display_name}</option>" in options(agent_a, assignee=agent_b.pk)  # unless chosen
    assert f">{agent_b.display_name}</option>" in options(manager)  # a manager in no team: every agent


def test_the_filtered_instants_are_unchanged(client, agent_a, make_incident, requester_a):
    """Reading the summary in local time changes nothing of the filter: it is still the exact UTC instant."""
    with clock.frozen(datetime(2026, 11, 3, 16, 26, 4, 670809, tzinfo=UTC)):
        make_incident(requester_a, title="Right on time")
    client.force_login(agent_a)
    base = reverse("agent-incidents") + "?queue=recent&updated_after="
    assert "Right on time" in client.get(base + "2026-11-03T16:26:04.670809%2B00:00").content.decode()
    assert "Right on time" not in client.get(base + "2026-11-03T16:26:04.670810%2B00:00").content.decode()
