"""The knowledge's Celery jobs."""

from __future__ import annotations

from celery import shared_task

from knowledge import reminders


@shared_task(name="knowledge.tasks.remind_reviews")
def remind_reviews() -> int:
    """Run by beat every six hours: remind the owners of the articles coming due for review (once per review date)."""
    return reminders.remind_reviews()
