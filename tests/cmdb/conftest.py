"""CMDB fixtures: a server class with typed attributes, an application class, services and a few CIs."""

from __future__ import annotations

import pytest

from catalog.models import VariableType
from cmdb.models import CIClass, ClassAttribute


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
