"""Pagination that never counts more rows than a person can use.

An exact COUNT(*) visits every matching row: at a million tickets, "All open" alone is ~90,000 rows through the
ticket/incident join. Lists count at most COUNT_CAP + 1 rows and say "1,000+" beyond that (like the big
trackers do); the API gives the exact figure on request (`?count=exact`).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


def capped_count(queryset, cap: int = COUNT_CAP) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`.

    The list's ordering is kept: the index that serves the page then drives the count too, and it stops after
    cap + 1 index entries instead of scanning the table for matching rows (bench/RESULTS.md)."""
    return queryset.values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP + 1; `count_capped` says when it did."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap
