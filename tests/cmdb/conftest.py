"""Fixtures of the CMDB tests: classes (server with typed attributes, application, business service) and a small
graph (the Payroll service depends on the payroll app, which runs on vm-payroll, hosted by esx-01); and, for the
import tests, a server class (with a yes/no attribute, no required one) and an application class."""

from __future__ import annotations

import pytest

from catalog.models import VariableType
from cmdb import services
from cmdb.choices import RelationKind
from cmdb.models import CIClass, ClassAttribute


@pytest.fixture
def classes(db):
    server = CIClass.objects.create(name="Server", slug="server")
    ClassAttribute.objects.create(ci_class=server, name="cpus", label="CPUs", var_type="number", min_value=1,
                                  max_value=512)
    ClassAttribute.objects.create(ci_class=server, name="os", label="Operating system", var_type="choice",
                                  choices="Linux\nWindows", required=True)
    return {"server": server, "app": CIClass.objects.create(name="Application", slug="application"),
            "service": CIClass.objects.create(name="Business service", slug="business-service", is_service=True)}


@pytest.fixture
def graph(classes, agent_a):
    make = lambda name, cls, **extra: services.create_ci(agent_a, {"name": name, "ci_class": classes[cls],  # noqa: E731
                                                                   **extra})
    cis = {"esx": make("esx-01", "server", attributes={"os": "Linux", "cpus": 64}),
           "vm": make("vm-payroll", "server", attributes={"os": "Linux", "cpus": 4}),
           "app": make("payroll-app", "app"), "payroll": make("Payroll", "service")}
    services.relate(cis["vm"], cis["esx"], RelationKind.HOSTED_BY, agent_a)
    services.relate(cis["app"], cis["vm"], RelationKind.RUNS_ON, agent_a)
    services.relate(cis["payroll"], cis["app"], RelationKind.DEPENDS_ON, agent_a)
    return cis


@pytest.fixture
def server_class(db):
    server = CIClass.objects.create(name="Server", slug="server")
    ClassAttribute.objects.create(ci_class=server, name="cpus", label="CPUs", var_type=VariableType.NUMBER,
                                  min_value=1, max_value=512)
    ClassAttribute.objects.create(ci_class=server, name="os", label="Operating system", var_type=VariableType.CHOICE,
                                  choices="Linux\nWindows")
    ClassAttribute.objects.create(ci_class=server, name="virtual", label="Virtual", var_type=VariableType.BOOLEAN)
    return server


@pytest.fixture
def app_class(db):
    return CIClass.objects.create(name="Application", slug="application")
