"""Correlation: alerts on CIs that share a failing dependency become children of one incident.

A dependency is failing when an alert on it fired within EVENTS_CORRELATION_MINUTES and its incident is open. When
monitoring raises an incident for a CI:
- if one of the CI's dependencies (cmdb.impact.dependencies) is failing, the new incident is a child of that
  dependency's incident (the nearest one): the database's outage, not one incident per application server;
- else the open monitoring incidents of the CIs that depend on this one (cmdb.impact.affected), raised within the
  window and without a parent, become its children (the dependency's alert arrived after theirs).
Both ask the graph only when another alert fired within the window, so an isolated alert costs one query.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from cmdb import impact
from cmdb.models import ConfigurationItem
from events.choices import Status
from events.models import Alert
from incidents import services as incidents
from incidents.choices import OPEN_STATES
from incidents.models import Incident

MAX_CHILDREN = 50


def recent_alerts(alert: Alert, now: datetime) -> QuerySet[Alert]:
    """Other firing alerts on a CI, seen within the window, with an open incident that has no parent."""
    since = now - timedelta(minutes=settings.EVENTS_CORRELATION_MINUTES)
    return (Alert.objects.filter(last_seen__gte=since, status=Status.FIRING, ci__isnull=False,
                                 incident__isnull=False, incident__state__in=OPEN_STATES,
                                 incident__parent__isnull=True)
            .exclude(pk=alert.pk).order_by("first_seen"))


def parent_for(ci: ConfigurationItem | None, alert: Alert, now: datetime) -> Incident | None:
    """The incident of the CI's nearest failing dependency, if any."""
    if ci is None:
        return None
    failing = {a.ci_id: a.incident_id for a in recent_alerts(alert, now).exclude(ci=ci)[:500]}
    if not failing:
        return None
    depth_of = impact.dependencies(ci).depth_of
    near = sorted((depth, ci_id) for ci_id, depth in depth_of.items() if ci_id in failing)
    if not near:
        return None
    return Incident.objects.filter(pk=failing[near[0][1]]).first()


def adopt_children(parent: Incident, ci: ConfigurationItem, alert: Alert, actor: Any, now: datetime) -> int:
    """Make the open monitoring incidents of the CIs depending on `ci` children of `parent`; how many."""
    candidates = {a.ci_id: a.incident_id for a in recent_alerts(alert, now).exclude(ci=ci)[:500]}
    if not candidates:
        return 0
    dependents = impact.affected(ci).depth_of
    adopted = 0
    for ci_id, incident_id in candidates.items():
        if incident_id is not None and ci_id in dependents and incident_id != parent.pk and adopted < MAX_CHILDREN:
            incidents.update_incident(incident_id, None, {"parent": parent})
            adopted += 1
    return adopted
