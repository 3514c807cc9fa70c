"""Alerts on CIs that share a failing dependency end up under one incident (children of the dependency's)."""

from __future__ import annotations

import pytest

from cmdb.choices import RelationKind
from cmdb.models import Relationship
from core import clock
from tests.events.support import fire

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_and_apps(make_ci):
    """app-1 and app-2 both depend on db-1; web-1 depends on nothing."""
    db, app1, app2 = make_ci("db-1"), make_ci("app-1"), make_ci("app-2")
    make_ci("web-1")
    for app in (app1, app2):
        Relationship.objects.create(source=app, target=db, kind=RelationKind.DEPENDS_ON, created_at=clock.now())
    return db, app1, app2


def test_alerts_on_dependents_of_a_failing_ci_become_its_childrens(db_and_apps):
    database = fire(node="db-1", fingerprint="db").incident
    app1 = fire(node="app-1", fingerprint="app1").incident
    app2 = fire(node="app-2", fingerprint="app2").incident
    assert app1.parent == database and app2.parent == database
    assert set(database.children.all()) == {app1, app2}
    assert fire(node="web-1", fingerprint="web").incident.parent is None  # unrelated


def test_the_dependency_alerting_last_adopts_the_incidents_of_its_dependents(db_and_apps):
    app1 = fire(node="app-1", fingerprint="app1").incident
    app2 = fire(node="app-2", fingerprint="app2").incident
    database = fire(node="db-1", fingerprint="db").incident
    app1.refresh_from_db()
    app2.refresh_from_db()
    assert app1.parent == database and app2.parent == database


def test_an_alert_outside_the_window_is_not_correlated(db_and_apps, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.EVENTS_CORRELATION_MINUTES = 10
    fire(node="db-1", fingerprint="db")
    with clock.frozen(timezone.now() + timedelta(minutes=11)):
        assert fire(node="app-1", fingerprint="app1").incident.parent is None
