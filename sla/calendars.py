"""Public holidays from the `holidays` package (the Open World Holidays Framework), loaded into a schedule.

Used by the API's `POST /api/v1/sla/schedules/{id}/load_holidays/`. Loading is additive and idempotent: dates the
schedule already has keep their row (and name); only the missing ones are inserted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import holidays as holidays_lib
from django.db import transaction

from core import reference_cache
from sla.models import Holiday, Schedule

NAME_MAX = Holiday._meta.get_field("name").max_length


def supported_countries() -> dict[str, list[str]]:
    """ISO 3166-1 alpha-2 country code -> its subdivision codes, as the `holidays` package knows them."""
    return holidays_lib.list_supported_countries()


def supported_languages(country: str) -> tuple[str, ...]:
    return tuple(holidays_lib.country_holidays(country).supported_languages)


def public_holidays(country: str, years: Iterable[int], subdiv: str | None = None,
                    language: str | None = None) -> list[tuple[date, str]]:
    """The public holidays of a country (and subdivision) for the given years, in date order.

    Raises NotImplementedError for a country or subdivision the package does not know.
    """
    calendar = holidays_lib.country_holidays(country, subdiv=subdiv or None, years=sorted(set(years)),
                                             language=language or None)
    return sorted((day, str(name)[:NAME_MAX]) for day, name in calendar.items())


@dataclass(frozen=True)
class LoadResult:
    added: list[tuple[date, str]]
    skipped: int


@transaction.atomic
def load_holidays(schedule: Schedule, country: str, years: Iterable[int], subdiv: str | None = None,
                  language: str | None = None) -> LoadResult:
    """Insert the public holidays the schedule does not have yet; the dates it already has are left as they are."""
    wanted = public_holidays(country, years, subdiv, language)
    Schedule.objects.select_for_update().filter(pk=schedule.pk).first()  # one load per schedule at a time
    existing = set(Holiday.objects.filter(schedule=schedule, date__in=[d for d, _ in wanted])
                   .values_list("date", flat=True))
    added = [(day, name) for day, name in wanted if day not in existing]
    Holiday.objects.bulk_create([Holiday(schedule=schedule, date=day, name=name) for day, name in added])
    reference_cache.clear(Schedule)  # bulk_create sends no signal: the calendars the pages keep are stale
    return LoadResult(added=added, skipped=len(wanted) - len(added))
