"""Celery worker signals: start and stop the worker's heartbeat. Model signals: a user object forgets the
tickets it watched (core.models.watched_numbers) when one of its watchers is added or removed; any write that
can change which tickets a list holds starts a new generation of the kept counts (core.count_cache)."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import Organization, Team, User
from core import count_cache
from core.count_cache import tickets_changed
from core.health import WorkerHeartbeat
from core.models import (
    TEAMS_MEMO,
    VISIBILITY_MEMO,
    ApprovalVote,
    Ticket,
    TicketLink,
    Watcher,
    forget,
    forget_watched,
)

_heartbeat: WorkerHeartbeat | None = None


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    global _heartbeat
    hostname = getattr(sender, "hostname", None)
    _heartbeat = WorkerHeartbeat(hostname)
    _heartbeat.start()


@worker_shutdown.connect
def stop_heartbeat(sender=None, **kwargs) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()


@receiver([post_save, post_delete], sender=Watcher, dispatch_uid="core.forget_watched")
def watcher_changed(sender: Any, instance: Watcher, **kwargs: Any) -> None:
    """The user object the watcher row was made with (if any) reads its watched tickets again."""
    forget_watched(instance._state.fields_cache.get("user"))


@receiver([post_save, post_delete], sender=ApprovalVote, dispatch_uid="core.forget_approving")
def vote_changed(sender: Any, instance: ApprovalVote, **kwargs: Any) -> None:
    """An approver sees the tickets they are asked to approve (core.models.watched_numbers)."""
    forget_watched(instance._state.fields_cache.get("approver"))


# A ticket of any kind (each kind's model is watched when it registers: core.kinds.register), a watcher, an
# approver asked, or a link saved or deleted: the lists' counts may differ.
for _model in (Ticket, Watcher, ApprovalVote, TicketLink):
    count_cache.watch(_model)


@receiver(m2m_changed, sender=Ticket.watchers.through, dispatch_uid="core.counts_watchers_m2m")
def watchers_m2m_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """`ticket.watchers.add/remove/set/clear` (or `user.watched_tickets...`) write Watcher rows without their
    save or delete signals: who sees what may differ."""
    if action.startswith("post_"):
        tickets_changed()
        if isinstance(instance, User):
            forget_watched(instance)


@receiver([post_save, post_delete], sender=User, dispatch_uid="core.counts_user_changed")
def user_changed(sender: Any, instance: User, created: bool = False, update_fields: Any = None,
                 **kwargs: Any) -> None:
    """A user's role, activity or organization decides what they see (a sign-in only stamps last_login; a new
    user has counted nothing yet)."""
    if not created and (update_fields is None or set(update_fields) - {"last_login", "password"}):
        tickets_changed()


@receiver([post_save, post_delete], sender=Organization, dispatch_uid="core.counts_organization_changed")
def organization_changed(sender: Any, created: bool = False, **kwargs: Any) -> None:
    """Whether an organization shares its tickets decides what its people see (a new one has no people yet)."""
    if not created:
        tickets_changed()


@receiver(m2m_changed, sender=Team.members.through, dispatch_uid="core.counts_team_members_changed")
def team_members_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """Agents see their teams' tickets; `user.teams...` also makes that user object read its teams again."""
    if action.startswith("post_"):
        tickets_changed()
        if isinstance(instance, User):
            forget(instance, TEAMS_MEMO, VISIBILITY_MEMO)
