"""What the admin's configuration says about one event: its rule, its CI, its impact and team, and whether it is
suppressed (a maintenance window, or a change at work on its CI).

- Rules: the active `EventRule` of lowest order whose every set condition holds.
- CI: the value of the rule's `ci_label`, else of the first of the labels instance, host, node, nodename,
  hostname, else the event's node; stripped of a URL's scheme and path and of a port, compared case-insensitively
  with the CIs' names, also without the domain (`db-1.example.com` finds the CI `db-1`).
- Suppression (firing events only): a maintenance window covering now for every CI or for the event's CI; or a
  change in state scheduled or implement whose planned window covers now and which affects the CI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from django.db.models import Q

from changes.choices import State as ChangeState
from changes.models import Change
from cmdb.models import ConfigurationItem
from events.choices import SEVERITY_IMPACT_URGENCY, Severity
from events.ingest import NODE_LABELS
from events.models import Event, EventRule, MaintenanceWindow


def matches(rule: EventRule, event: Event) -> bool:
    """Whether every condition the rule sets holds for the event."""
    if rule.source and rule.source.lower() != event.source.lower():
        return False
    if rule.node_pattern and not fnmatchcase(event.node.lower(), rule.node_pattern.lower()):
        return False
    if rule.label_name:
        value = (event.labels or {}).get(rule.label_name)
        if value is None or (rule.label_value and not fnmatchcase(str(value), rule.label_value)):
            return False
    return True


def rule_for(event: Event) -> EventRule | None:
    """The first active rule (by order) that matches the event."""
    for rule in EventRule.objects.filter(active=True).select_related("team"):
        if matches(rule, event):
            return rule
    return None


def host_of(value: str) -> str:
    """A host name from a label's value: without a URL's scheme and path, and without a port."""
    value = value.strip()
    if "://" in value:
        return urlsplit(value).hostname or ""
    if value.startswith("["):  # [IPv6]:port
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def ci_names(event: Event, rule: EventRule | None) -> list[str]:
    """The names to look the CI up by, best first."""
    labels = event.labels or {}
    raw = [labels.get(rule.ci_label, "")] if rule and rule.ci_label else [labels.get(n, "") for n in NODE_LABELS]
    names: list[str] = []
    for value in [*raw, event.node]:
        host = host_of(str(value or "")).lower()
        for name in (host, host.split(".", 1)[0] if host and not host.replace(".", "").isdigit() else ""):
            if name and name not in names:
                names.append(name)
    return names


def ci_for(event: Event, rule: EventRule | None) -> ConfigurationItem | None:
    """The CI the event is about, if one is named so (one query)."""
    names = ci_names(event, rule)
    if not names:
        return None
    condition = Q()
    for name in names:
        condition |= Q(name__iexact=name)
    found = {ci.name.lower(): ci for ci in ConfigurationItem.objects.filter(condition).order_by("-pk")}
    return next((found[name] for name in names if name in found), None)


@dataclass(frozen=True)
class Decision:
    """What the configuration says about one event."""

    rule: EventRule | None
    ci: ConfigurationItem | None
    impact: int
    urgency: int
    team_id: int | None
    ticket: bool  # may it raise an incident at all


def decide(event: Event) -> Decision:
    rule = rule_for(event)
    ci = ci_for(event, rule)
    impact, urgency = SEVERITY_IMPACT_URGENCY.get(Severity(event.severity), (3, 3))
    if rule is not None:
        impact, urgency = rule.impact or impact, rule.urgency or urgency
    team_id = (rule.team_id if rule else None) or (ci.support_team_id if ci else None)
    ticket = event.severity != Severity.INFO and (rule is None or rule.raise_incidents)
    return Decision(rule, ci, impact, urgency, team_id, ticket)


def suppression(ci: ConfigurationItem | None, now: datetime) -> str:
    """Why firing events of `ci` are suppressed now ("" when they are not)."""
    window = MaintenanceWindow.objects.filter(start__lte=now, end__gt=now).filter(
        Q(ci__isnull=True) | Q(ci=ci) if ci else Q(ci__isnull=True)).order_by("end").first()
    if window is not None:
        return f"Maintenance window “{window.name}”."[:300]
    if ci is None:
        return ""
    change = (Change.objects.filter(state__in=[ChangeState.SCHEDULED, ChangeState.IMPLEMENT],
                                    planned_start__lte=now, planned_end__gt=now, affected_cis__ci=ci)
              .only("number").order_by("planned_end").first())
    if change is not None:
        return f"{change.number} is at work on {ci.name} (its planned window)."[:300]
    return ""
