"""Celery tasks of the surveys: thin, idempotent wrappers around services and notifications."""

from __future__ import annotations

from celery import shared_task

from core.tasks import ItsmTask, MailTask


@shared_task(base=MailTask, name="surveys.tasks.send_csat_invitation")
def send_csat_invitation(invitation_id: int) -> int:
    """The CSAT invitation mail of a kind without a resolution mail (once per invitation)."""
    from surveys.notifications import send_csat_invitation as send

    return send(invitation_id)


@shared_task(base=MailTask, name="surveys.tasks.send_low_score")
def send_low_score(answer_id: int, revision: int) -> int:
    """Tell the team lead of a low satisfaction score (once per answer revision)."""
    from surveys.notifications import send_low_score as send

    return send(answer_id, revision)


@shared_task(base=MailTask, name="surveys.tasks.send_nps_invitations")
def send_nps_invitations(round_id: int) -> int:
    """The NPS invitations of a round (each person once)."""
    from surveys.notifications import send_nps_invitations as send

    return send(round_id)


@shared_task(base=ItsmTask, name="surveys.tasks.start_nps_round")
def start_nps_round() -> int | None:
    """Beat, daily: start an NPS round when none covers today (safe to run twice)."""
    from surveys.services import start_nps_round as start

    started = start()
    return started.pk if started else None
