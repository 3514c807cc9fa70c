"""Every write of the improvement app (targets, the improvement register) and the red/amber/green rule."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from accounts.roles import Role, can, has_role
from core import clock
from improvement import kpis
from improvement.kpis.periods import current_month
from improvement.models import CLOSED_STATUSES, ActionStatus, ImprovementAction, KpiTarget


class Rag(models.TextChoices):
    """A figure against its KPI's target."""

    GREEN = "green", "On target"
    AMBER = "amber", "Near target"
    RED = "red", "Off target"
    NONE = "none", "No figure or no target"


GREEN, AMBER, RED, NONE = Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, Rag.NONE.value
RAG_LABELS = dict(Rag.choices)
EDITABLE = ("title", "description", "owner", "due_date", "status")


def rag(value: float | None, target: KpiTarget | None, higher_is_better: bool) -> str:
    """Green when `value` meets the target, amber when it misses it by at most the amber band, red beyond; "none"
    without a value or a target."""
    if value is None or target is None:
        return NONE
    miss = (target.target - value) if higher_is_better else (value - target.target)
    if miss <= 0:
        return GREEN
    return AMBER if miss <= target.amber_band else RED


def _require_manager(actor: Any) -> None:
    if not can(actor, "kpis.manage"):
        raise PermissionDenied("Only managers set targets and keep the improvement register.")


def _kpi(key: str) -> kpis.Kpi:
    kpi = kpis.find(key)
    if kpi is None:
        raise ValidationError({"kpi": [f"Unknown KPI {key[:40]!r}."]})
    return kpi


@transaction.atomic
def set_target(actor: Any, key: str, target: float, amber_band: float = 0.0) -> KpiTarget:
    """Set (or replace) the target of a KPI, stamped with who and when."""
    _require_manager(actor)
    _kpi(key)
    if amber_band < 0:
        raise ValidationError({"amber_band": ["The amber band cannot be negative."]})
    row, _created = KpiTarget.objects.update_or_create(
        kpi=key, defaults={"target": target, "amber_band": amber_band, "updated_by": actor,
                           "updated_at": clock.now()})
    return row


@transaction.atomic
def clear_target(actor: Any, key: str) -> bool:
    _require_manager(actor)
    return KpiTarget.objects.filter(kpi=key).delete()[0] > 0


def value_of(kpi: kpis.Kpi, user: Any, month: date, filters: Mapping[str, Any] | None) -> float | None:
    """The KPI's value for one month, computed now for `user`."""
    return kpi.values(user, [month], dict(filters or {}))[0]


def _check_owner(owner: Any) -> None:
    if owner is None or not owner.is_active or not has_role(owner, Role.AGENT):
        raise ValidationError({"owner": ["The owner is someone of the desk (an agent or a manager)."]})


@transaction.atomic
def raise_action(actor: Any, data: Mapping[str, Any]) -> ImprovementAction:
    """Add an action to the register about a KPI's figure (`kpi`, `filters`, `month`), with its value then."""
    _require_manager(actor)
    kpi = _kpi(data["kpi"])
    filters = kpi.supported(dict(data.get("filters") or {}))
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": ["Say what will be done."]})
    month = data.get("month") or current_month()
    if month > current_month():
        raise ValidationError({"month": ["The month cannot be in the future."]})
    _check_owner(data.get("owner"))
    now = clock.now()
    return ImprovementAction.objects.create(
        title=title, description=(data.get("description") or "").strip(), owner=data["owner"],
        due_date=data.get("due_date"), kpi=kpi.key, filters=filters, month=month,
        status=data.get("status") or ActionStatus.OPEN, value_before=value_of(kpi, actor, month, filters),
        created_by=actor, created_at=now, updated_by=actor, updated_at=now,
    )


def latest_value(action: ImprovementAction, user: Any) -> tuple[float | None, date | None]:
    """The "after" figure: frozen when the action is closed, else the KPI's value for the running month now."""
    if action.is_closed and action.after_month is not None:
        return action.value_after, action.after_month
    kpi = kpis.find(action.kpi)
    if kpi is None:
        return None, None
    month = current_month()
    return value_of(kpi, user, month, action.filters), month


@transaction.atomic
def update_action(actor: Any, action: ImprovementAction, data: Mapping[str, Any]) -> ImprovementAction:
    """Change what, description, owner, due date or status. Closing it (done or cancelled) freezes the "after"
    value; reopening it thaws it."""
    _require_manager(actor)
    action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    if "title" in data and not (data["title"] or "").strip():
        raise ValidationError({"title": ["Say what will be done."]})
    if "owner" in data:
        _check_owner(data["owner"])
    if "status" in data and data["status"] not in ActionStatus.values:
        raise ValidationError({"status": [f"Use one of {', '.join(ActionStatus.values)}."]})
    was_closed = action.is_closed
    for name, value in data.items():
        setattr(action, name, value.strip() if isinstance(value, str) and name != "status" else value)
    now = clock.now()
    if action.status in CLOSED_STATUSES and not was_closed:
        kpi = kpis.find(action.kpi)
        action.after_month = current_month(now)
        action.value_after = value_of(kpi, actor, action.after_month, action.filters) if kpi else None
        action.closed_at = now
    elif action.status not in CLOSED_STATUSES and was_closed:
        action.value_after = action.after_month = action.closed_at = None
    action.updated_by, action.updated_at = actor, now
    action.save()
    return action
