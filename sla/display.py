"""What the ticket pages show of a ticket's SLA timers: business time left, stage, a bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core import clock
from sla.models import AgreementType, SlaTimer, Stage
from sla.services import share_calendars


@dataclass(frozen=True)
class TimerView:
    name: str
    target: str
    agreement: str
    stage: str
    stage_label: str
    percent: float
    left: timedelta
    due_at: datetime | None
    breached: bool
    breached_at: datetime | None
    paused: bool

    @property
    def bar_value(self) -> float:
        return min(self.percent, 100.0)

    @property
    def left_text(self) -> str:
        """"3 h 20 min left" or "1 h 5 min over" (business time)."""
        seconds = int(self.left.total_seconds())
        word = "left" if seconds >= 0 else "over"
        seconds = abs(seconds)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        parts = [f"{days} d"] if days else []
        if hours or days:
            parts.append(f"{hours} h")
        parts.append(f"{minutes} min")
        return f"{' '.join(parts)} {word}"


def timer_views(ticket_id: int, *, now: datetime | None = None, public_only: bool = False) -> list[TimerView]:
    """The ticket's timers (not cancelled ones), in the order of their definitions."""
    now = now or clock.now()
    qs = SlaTimer.objects.filter(ticket_id=ticket_id).exclude(stage=Stage.CANCELLED).select_related(
        "definition__schedule"
    ).order_by("definition__order", "definition__id")
    if public_only:
        qs = qs.filter(definition__agreement_type=AgreementType.SLA)
    timers = list(qs)
    share_calendars(timers, kept=True)
    out = []
    for timer in timers:
        out.append(TimerView(
            name=timer.definition.name, target=timer.definition.get_target_display(),
            agreement=timer.definition.get_agreement_type_display(), stage=timer.stage,
            stage_label=Stage(timer.stage).label, percent=round(timer.percent_at(now), 1),
            left=timer.left_at(now), due_at=timer.due_at, breached=timer.breached, breached_at=timer.breached_at,
            paused=timer.stage == Stage.PAUSED,
        ))
    return out
