"""The KPI registry: every figure of the KPI dashboard and of /api/v1/kpis/ is a registered `Kpi`.

A KPI is a monthly series: `series(user, months)` returns one value per month (months are first days of months in
the desk's time zone), scoped to what the user may see (managers all; agents the figures of their teams), computed
in SQL; `drill_url(month)` is the page listing what is behind a month's figure. A KPI that supports the dashboard's
filters (kind, team, service, priority) names them in `filters`, and then both functions also take them as keyword
arguments (`series(user, months, kind="incident", team=3)`). Other apps expose plain functions (`<app>/kpis.py`, see
the KPI contract) and are wired in with `register(Kpi(...))`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SeriesFunction = Callable[..., list[float | None]]
DrillFunction = Callable[..., str]
FILTER_NAMES = ("kind", "team", "service", "priority")


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator: how it is called, measured and read, and where its figures come from.

    `unit`: "%", "hours", "tickets" or "answers"...; `higher_is_better` decides red/amber/green against a target;
    `description`: what it counts, in a sentence or two (shown under the card and in the API);
    `filters`: which of FILTER_NAMES `series` and `drill_url` accept; `kinds`: the ticket kinds the kind filter
    offers (the first is the default); `decimals`: how the value is rounded for display.
    """

    key: str
    label: str
    unit: str
    higher_is_better: bool
    series: SeriesFunction
    drill_url: DrillFunction
    description: str
    filters: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    decimals: int = 1
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def values(self, user: Any, months: list[date], filters: dict[str, Any] | None = None) -> list[float | None]:
        """The series for `user`, with the filters this KPI supports (others are ignored)."""
        return self.series(user, months, **self.supported(filters))

    def drill(self, month: date, filters: dict[str, Any] | None = None) -> str:
        return self.drill_url(month, **self.supported(filters))

    def supported(self, filters: dict[str, Any] | None) -> dict[str, Any]:
        """The filters this KPI takes, without the empty ones."""
        return {name: value for name, value in (filters or {}).items()
                if name in self.filters and value not in (None, "")}


_REGISTRY: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    """Add (or replace) a KPI on the dashboard and in the API."""
    _REGISTRY[kpi.key] = kpi
    return kpi


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered() -> list[Kpi]:
    """Every KPI, in dashboard order."""
    return sorted(_REGISTRY.values(), key=lambda kpi: (kpi.order, kpi.label))


def find(key: str) -> Kpi | None:
    return _REGISTRY.get(key)
