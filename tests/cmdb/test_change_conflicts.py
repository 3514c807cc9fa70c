"""Changes through the CMDB graph: two changes in overlapping windows touching configuration items that share a
dependency conflict (a warning naming the shared CI); changes on unrelated CIs, or in windows apart, do not."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from changes.conflicts import conflicts
from cmdb import services
from tests.changes.test_conflicts import planned

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def test_changes_touching_cis_with_a_shared_dependency_in_one_window_conflict(graph, classes, agent_a, agent_b):
    start = datetime(2027, 5, 4, 20, 0, tzinfo=PARIS)
    patch_app = planned(agent_a, start, 2, title="Patch payroll-app")
    patch_vm = planned(agent_b, start + timedelta(hours=1), 2, title="Resize the VM")
    later = planned(agent_b, start + timedelta(days=1), 2, title="Again, tomorrow")
    other_ci = services.create_ci(agent_a, {"name": "printer-01", "ci_class": classes["app"]})
    unrelated = planned(agent_b, start, 2, title="Printer firmware")
    services.affect(patch_app, graph["app"], agent_a)
    services.affect(patch_vm, graph["vm"], agent_b)  # the app runs on this VM: both need vm-payroll, esx-01
    services.affect(later, graph["vm"], agent_b)
    services.affect(unrelated, other_ci, agent_b)
    found = [(c.reason, c.other.number if c.other else None, c.text) for c in conflicts(patch_app)]
    assert [(reason, number) for reason, number, _text in found] == [("ci", patch_vm.number)]
    assert "esx-01, vm-payroll" in found[0][2]
    assert [c.reason for c in conflicts(unrelated)] == []
    hidden = conflicts(patch_app, agent_a)  # agent_a does not work in the Network team: the other is not named
    assert hidden[0].other is None and hidden[0].text.startswith("Another change (of a team")
