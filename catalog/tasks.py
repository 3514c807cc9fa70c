"""The catalog's Celery jobs."""

from __future__ import annotations

from celery import shared_task

from catalog import grants


@shared_task(name="catalog.tasks.revoke_expired_access")
def revoke_expired_access() -> int:
    """Raise the request revoking each access past its last day (once per grant)."""
    return grants.revoke_expired()
