"""Impact analysis: the recursive SQL walk agrees with a plain Python breadth-first search on random graphs with
cycles and diamonds (hypothesis), in both directions and at every depth; and the impact of a CI names the business
services and catalog services at risk."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Service
from cmdb import impact
from cmdb.choices import RelationKind
from cmdb.models import CIClass, ConfigurationItem, Relationship
from core import clock

pytestmark = pytest.mark.django_db

N = 12


def bfs(edges: set[tuple[int, int]], start: int, depth: int, backwards: bool) -> dict[int, int]:
    """The reference: shortest distances within `depth` steps (edges are source -> target)."""
    step = {}
    for source, target in edges:
        a, b = (target, source) if backwards else (source, target)
        step.setdefault(a, set()).add(b)
    seen, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for nxt in step.get(node, ()):
            if nxt not in seen:
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    seen.pop(start)
    return seen


@pytest.fixture
def nodes(db):
    server = CIClass.objects.create(name="Server", slug="server")
    now = clock.now()
    return [ConfigurationItem.objects.create(name=f"ci{i}", ci_class=server, created_at=now, updated_at=now)
            for i in range(N)]


edges_strategy = st.sets(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1)).filter(lambda e: e[0] != e[1]),
                         max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=edges_strategy, start=st.integers(0, N - 1), depth=st.integers(1, 6))
def test_the_sql_walk_matches_a_breadth_first_search(nodes, edges, start, depth):
    Relationship.objects.all().delete()
    now = clock.now()
    Relationship.objects.bulk_create([Relationship(source=nodes[a], target=nodes[b], kind=RelationKind.DEPENDS_ON,
                                                   created_at=now) for a, b in edges])
    index = {ci.pk: i for i, ci in enumerate(nodes)}
    for backwards in (True, False):
        found = impact.walk(nodes[start].pk, backwards=backwards, depth=depth)
        assert {index[pk]: level for pk, level in found.items()} == bfs(edges, start, depth, backwards)


def test_a_cycle_and_a_diamond_count_each_ci_once_at_its_shortest_distance(nodes):
    now = clock.now()
    # app -> vm1, app -> vm2 (a diamond onto host), vm1 -> host, vm2 -> host, host -> app (a cycle back)
    app, vm1, vm2, host = nodes[:4]
    for source, target in ((app, vm1), (app, vm2), (vm1, host), (vm2, host), (host, app)):
        Relationship.objects.create(source=source, target=target, kind=RelationKind.RUNS_ON, created_at=now)
    down = impact.affected(host)
    assert down.depth_of == {vm1.pk: 1, vm2.pk: 1, app.pk: 2}
    assert down.by_depth() == {1: 2, 2: 1} and down.count == 3
    assert [ci.name for ci in down.items()] == ["ci1", "ci2", "ci0"]
    assert impact.dependencies(app, depth=1).depth_of == {vm1.pk: 1, vm2.pk: 1}


def test_the_impact_of_a_host_names_the_services_at_risk(nodes):
    now = clock.now()
    service_class = CIClass.objects.create(name="Business service", slug="business-service", is_service=True)
    payroll = ConfigurationItem.objects.create(name="Payroll", ci_class=service_class, created_at=now,
                                               updated_at=now)
    app, host = nodes[0], nodes[1]
    Relationship.objects.create(source=payroll, target=app, kind=RelationKind.DEPENDS_ON, created_at=now)
    Relationship.objects.create(source=app, target=host, kind=RelationKind.RUNS_ON, created_at=now)
    email = Service.objects.create(name="E-mail", slug="email")
    app.services.add(email)
    found = impact.affected(host)
    assert [ci.name for ci in found.business_services()] == ["Payroll"]
    assert found.services() == [email]
    assert found.at_risk() == ["Payroll", "E-mail"]
    assert impact.affected(nodes[5]).count == 0
