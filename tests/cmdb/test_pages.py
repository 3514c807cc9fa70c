"""The CMDB in the workspace: an agent records a CI, fills in its class's attributes (a wrong value is named on its
field), relates it either way, reads what fails with it and what changed on it; tickets name the CIs they affect
and their page shows what is at risk, the CIs' recent changes and known errors' workarounds; end users never reach
any of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmdb import services
from cmdb.models import AffectedCI, ConfigurationItem, Relationship

pytestmark = pytest.mark.django_db


def test_an_agent_records_a_ci_then_its_attributes_and_relationships(client, classes, graph, agent_a):
    client.force_login(agent_a)
    form = client.get(reverse("agent-ci-new"), {"ci_class": classes["server"].pk}).content.decode()
    assert "Operating system" in form  # the class's attributes are asked for
    missing = client.post(reverse("agent-ci-new"), {"name": "db-07", "ci_class": classes["server"].pk,
                                                    "status": "in_use", "environment": "production"})
    assert missing.status_code == 400 and "Operating system is required." in missing.content.decode()
    created = client.post(reverse("agent-ci-new"), {"name": "db-07", "ci_class": classes["server"].pk,
                                                    "status": "in_use", "environment": "production",
                                                    "attr_os": "Windows"})
    ci = ConfigurationItem.objects.get(name="db-07")
    assert created.status_code == 302 and created["Location"] == reverse("agent-ci", args=[ci.pk])
    refused = client.post(reverse("agent-ci-attributes", args=[ci.pk]), {"attr_cpus": "0", "attr_os": "Linux"})
    assert refused.status_code == 400 and "At least 1" in refused.content.decode()
    saved = client.post(reverse("agent-ci-attributes", args=[ci.pk]), {"attr_cpus": "16", "attr_os": "Linux"})
    assert saved.status_code == 302 and ConfigurationItem.objects.get(pk=ci.pk).attributes == {"cpus": "16",
                                                                                                "os": "Linux"}
    assert 'changed the operating system from “Windows” to “Linux”' in client.get(
        reverse("agent-ci-history", args=[ci.pk])).content.decode()
    related = client.post(reverse("agent-ci-relate", args=[ci.pk]), {"kind": "inverse:runs_on",
                                                                     "other": "payroll-app"})
    assert related.status_code == 302
    assert Relationship.objects.filter(source=graph["app"], target=ci, kind="runs_on").exists()
    page = client.get(reverse("agent-ci", args=[ci.pk])).content.decode()
    assert "Runs" in page and "payroll-app" in page  # read from the target: "runs payroll-app"
    assert "Payroll" in page and "If it fails" in page  # the business service depending on it
    assert "changed the CPUs to “16”" in page
    unknown = client.post(reverse("agent-ci-relate", args=[ci.pk]), {"kind": "runs_on", "other": "nowhere"})
    assert unknown.status_code == 400 and "No configuration item named “nowhere”" in unknown.content.decode()


def test_a_host_page_says_what_fails_with_it_and_end_users_never_reach_the_cmdb(client, graph, agent_a,
                                                                              requester_a, service_email,
                                                                              django_assert_max_num_queries):
    graph["app"].services.add(service_email)
    client.force_login(agent_a)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("agent-ci", args=[graph["esx"].pk])).content.decode()
    assert "3 configuration items affected" in page and "E-mail" in page and "Payroll" in page
    assert "in_use" not in page.replace('value="in_use"', "")  # labels, never codes
    listing = client.get(reverse("agent-cis"), {"q": "payroll"}).content.decode()
    assert "payroll-app" in listing and "esx-01" not in listing
    client.force_login(requester_a)
    for url in (reverse("agent-cis"), reverse("agent-ci", args=[graph["esx"].pk]), reverse("agent-ci-new")):
        assert client.get(url).status_code in (302, 403)


def test_an_incident_names_its_ci_and_sees_the_risk_recent_changes_and_known_errors(
        client, graph, agent_a, requester_a, make_incident, service_email):
    from problems import services as problems

    incident = make_incident(requester_a, title="Payroll is slow")
    graph["app"].services.add(service_email)
    other = make_incident(requester_a, title="Mail bounces", service=service_email)  # same service at risk
    known = problems.create_problem(agent_a, {"title": "ESX storage latency", "root_cause": "A failing disk.",
                                              "workaround": "Move the VM to esx-02."})
    services.affect(known, graph["esx"], agent_a)
    services.update_ci(graph["esx"], agent_a, {"location": "Rack 12"})
    client.force_login(agent_a)
    page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert 'data-testid="ci-panel"' in page
    added = client.post(reverse("agent-ticket-ci-add", args=[incident.number]), {"ci": "ESX-01"})
    assert added.status_code == 302 and AffectedCI.objects.filter(ticket_id=incident.pk).count() == 1
    panel = client.get(reverse("agent-ticket-cis", args=[incident.number])).content.decode()
    assert "esx-01" in panel and "Payroll" in panel  # at risk
    assert "the location" in panel and "Rack 12" in panel  # what changed this week
    assert "Move the VM to esx-02." in panel  # the known error on the same CI
    listed = panel.split('data-testid="related-incidents"')[1].split("</div>")[0]
    assert other.number in listed and incident.number not in listed  # the others, not itself
    removed = client.post(reverse("agent-ticket-ci-remove", args=[incident.number, graph["esx"].pk]))
    assert removed.status_code == 302 and not AffectedCI.objects.filter(ticket_id=incident.pk).exists()


def test_a_ticket_out_of_sight_gets_no_ci_panel(client, graph, agent_b, requester_a, make_incident):
    incident = make_incident(requester_a, title="Payroll is slow")  # the Service Desk's, not the Network team's
    client.force_login(agent_b)
    assert client.get(reverse("agent-ticket-cis", args=[incident.number])).status_code == 404
    assert client.post(reverse("agent-ticket-ci-add", args=[incident.number]), {"ci": "esx-01"}).status_code == 404


def test_a_switch_with_many_relationships_lists_the_first_ones_in_bounded_queries(
        client, classes, graph, agent_a, django_assert_max_num_queries):
    from cmdb.choices import RelationKind
    from cmdb.models import Relationship
    from core import clock

    switch = graph["esx"]
    now = clock.now()
    hosts = [ConfigurationItem.objects.create(name=f"host-{i:03}", ci_class=classes["server"], created_at=now,
                                              updated_at=now) for i in range(60)]
    Relationship.objects.bulk_create([Relationship(source=host, target=switch, kind=RelationKind.CONNECTS_TO,
                                                   created_at=now) for host in hosts])
    client.force_login(agent_a)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("agent-ci", args=[switch.pk])).content.decode()
    assert page.count('data-testid="relationship"') == 50  # 61 come in (60 hosts and a VM): the first 50
    assert 'data-testid="more-relationships"' in page
