"""Fixtures of the capacity tests: a file server and a host (CIs), metrics on them and on the e-mail service, and
helpers to lay down series of samples at a frozen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from capacity import services
from capacity.ingest import Reading
from capacity.models import Metric
from cmdb import services as cmdb
from cmdb.models import CIClass

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def server_class(db):
    return CIClass.objects.create(name="Server", slug="server")


@pytest.fixture
def fs01(server_class, agent_a, team_service_desk):
    return cmdb.create_ci(agent_a, {"name": "fs-01", "ci_class": server_class, "support_team": team_service_desk})


@pytest.fixture
def esx01(server_class, agent_a, team_network):
    return cmdb.create_ci(agent_a, {"name": "esx-01", "ci_class": server_class, "support_team": team_network})


@pytest.fixture
def storage(fs01):
    return Metric.objects.create(name="Storage", unit="GB", capacity=1000, ci=fs01, warning_pct=80, critical_pct=95)


@pytest.fixture
def cpu(esx01):
    return Metric.objects.create(name="CPU", unit="%", capacity=100, ci=esx01)


@pytest.fixture
def licences(service_email):
    return Metric.objects.create(name="Licences", unit="licences", capacity=500, service=service_email)


def series(metric: Metric, values: list[float], *, end: datetime = NOW, step: timedelta = timedelta(days=1),
           notify: bool = False) -> None:
    """Store `values` as samples one `step` apart, the last at `end` (without events unless `notify`)."""
    count = len(values)
    services.record([Reading(metric.pk, end - step * (count - 1 - i), float(v)) for i, v in enumerate(values)],
                    now=end, notify=notify)
