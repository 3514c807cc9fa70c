"""Pagination that never counts more rows than a person can use, and never loses a row.

An exact COUNT(*) visits every matching row: at a million tickets, "All open" alone is ~90,000 rows through the
ticket/incident join. Lists count at most COUNT_CAP + 1 rows and say "1,000+" beyond that (like the big
trackers do); the API gives the exact figure on request (`?count=exact`).

A capped count must not end the list: whether a next page exists is learnt by reading one row more than the page
holds, and pages past the cap are reached by keyset (cursor) pagination: a cursor carries the sort values of the
last row seen, and the next page is the rows strictly after it in the list's ordering (made unique by a final
primary-key tie-breaker). Such a page costs the same at row 100,000 as at row 50; an OFFSET would read and drop
every row before it.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.utils.functional import cached_property

from core.count_cache import cached_count
from core.models import Ticket

COUNT_CAP = 1000


def capped_count(queryset, cap: int = COUNT_CAP) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`.

    The list's ordering is kept: the index that serves the page then drives the count too, and it stops after
    cap + 1 index entries instead of scanning the table for matching rows (bench/RESULTS.md). A count of
    tickets is kept in Redis until the tickets change (core.count_cache)."""
    limited = queryset.values("pk")[: cap + 1]
    if not issubclass(queryset.model, Ticket):
        return limited.count()
    try:
        sql, params = limited.query.sql_with_params()
    except EmptyResultSet:  # e.g. qs.none(): nothing to count
        return 0

    def count() -> int:
        with connections[limited.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)  # noqa: S608 - the ORM's own SQL
            return int(cursor.fetchone()[0])

    return cached_count(sql, params, count)


class InvalidCursor(ValueError):
    """A cursor that cannot be read, or that belongs to another ordering of the list."""


def _model_field(model: type[Model], name: str):
    """The model field behind an ordering name ("pk", "priority", "ticket__number")."""
    *relations, last = name.split("__")
    for part in relations:
        model = cast(type[Model], model._meta.get_field(part).related_model)
    return model._meta.pk if last == "pk" else model._meta.get_field(last)


def stable_ordering(queryset: QuerySet) -> list[str]:
    """The queryset's ordering as field names, ending with a unique field (the primary key is appended if needed).

    Raises InvalidCursor for orderings keyset pagination cannot follow (expressions, random order)."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    names = []
    for item in ordering:
        if not isinstance(item, str) or item == "?":
            raise InvalidCursor("This list's ordering cannot be paged with a cursor.")
        names.append(item)
    for name in names:
        try:
            _model_field(queryset.model, name.lstrip("-"))
        except (FieldDoesNotExist, AttributeError) as exc:
            raise InvalidCursor(f"This list cannot be paged with a cursor (ordering by {name}).") from exc
    unique = [n for n in names if (f := _model_field(queryset.model, n.lstrip("-"))).primary_key or f.unique]
    if not unique or names.index(unique[0]) != len(names) - 1:
        if unique:  # fields after a unique one change nothing: drop them
            names = names[: names.index(unique[0]) + 1]
        else:
            names.append("-pk" if names and names[-1].startswith("-") else "pk")
    return names


def _after(model: type[Model], name: str, value: Any) -> tuple[Q, Q, Q]:
    """For one ordering term: (rows strictly after value, rows equal to it, rows at or after it).

    PostgreSQL puts NULLs last in ascending order and first in descending order; Django keeps that default."""
    descending = name.startswith("-")
    path = name.lstrip("-")
    nullable = _model_field(model, path).null
    nothing, everything = Q(pk__in=[]), Q()
    if value is None:
        equal = Q(**{f"{path}__isnull": True})
        if descending:
            return Q(**{f"{path}__isnull": False}), equal, everything
        return nothing, equal, equal
    equal = Q(**{path: value})
    if descending:
        return Q(**{f"{path}__lt": value}), equal, Q(**{f"{path}__lte": value})
    nulls = Q(**{f"{path}__isnull": True}) if nullable else nothing
    return Q(**{f"{path}__gt": value}) | nulls, equal, Q(**{f"{path}__gte": value}) | nulls


def keyset_condition(model: type[Model], ordering: list[str], values: list[Any]) -> Q:
    """The rows strictly after `values` in `ordering`.

    Nested as `a >= x AND (a > x OR (a = x AND (...)))`: the leading range on the first column lets the index
    that serves the ordering start at the cursor instead of filtering every earlier row."""
    strictly, equal, at_or_after = _after(model, ordering[0], values[0])
    if len(ordering) == 1:
        return strictly
    return at_or_after & (strictly | (equal & keyset_condition(model, ordering[1:], values[1:])))


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _row_values(row: Model, ordering: list[str]) -> list[Any]:
    values = []
    for name in ordering:
        value = row
        for part in name.lstrip("-").split("__"):
            value = getattr(value, part)
        values.append(value)
    return values


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps only milliseconds of a time: a cursor needs the exact value (microseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def encode_cursor(ordering: list[str], values: list[Any], *, backwards: bool = False) -> str:
    """An opaque token for the position `values` in `ordering`; `backwards` pages towards the start."""
    raw = json.dumps({"o": ordering, "v": values, "b": backwards}, cls=_ExactEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(model: type[Model], token: str, ordering: list[str]) -> tuple[list[Any], bool]:
    """The (values, backwards) of a cursor made for `ordering`; InvalidCursor when unreadable or foreign."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("Invalid cursor: use the `next` or `previous` link as given.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("v"), list) or not isinstance(data.get("b"), bool):
        raise InvalidCursor("Invalid cursor: use the `next` or `previous` link as given.")
    if data.get("o") != ordering or len(data["v"]) != len(ordering):
        raise InvalidCursor("This cursor belongs to another ordering of the list: start again from the first page.")
    values: list[Any] = []
    for name, raw_value in zip(ordering, data["v"], strict=True):
        if raw_value is None:
            values.append(None)
            continue
        if not isinstance(raw_value, str | int) or (isinstance(raw_value, str) and "\x00" in raw_value):
            raise InvalidCursor("Invalid cursor: use the `next` or `previous` link as given.")
        model_field = _model_field(model, name.lstrip("-"))
        try:
            value = model_field.to_python(raw_value)
            model_field.run_validators(value)
        except (ValidationError, TypeError, ValueError, OverflowError) as exc:
            raise InvalidCursor("Invalid cursor: use the `next` or `previous` link as given.") from exc
        values.append(value)
    return values, data["b"]


@dataclass
class KeysetPage:
    """One page read by cursor. `previous_cursor` None with `has_previous` means "the first page" (no cursor)."""

    object_list: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    has_previous: bool = False
    ordering: list[str] = field(default_factory=list)
    paginator: Paginator | None = None  # the list's capped count, for "1,000+"
    number = None  # no page number: the page is a position in the list
    is_keyset = True

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def keyset_page(queryset: QuerySet, cursor: str | None, size: int) -> KeysetPage:
    """The page of `size` rows after (or, for a backwards cursor, before) `cursor`; the first page without one.

    One query of size + 1 rows: the extra row only tells whether there is a page beyond this one."""
    ordering = stable_ordering(queryset)
    model = queryset.model
    values, backwards = decode_cursor(model, cursor, ordering) if cursor else (None, False)
    scan = [_flip(n) for n in ordering] if backwards else ordering
    qs = queryset.order_by(*scan)
    if values is not None:
        qs = qs.filter(keyset_condition(model, scan, values))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    first = _row_values(rows[0], ordering) if rows else values
    last = _row_values(rows[-1], ordering) if rows else values
    page = KeysetPage(rows, ordering=ordering)
    if backwards:
        page.next_cursor = encode_cursor(ordering, last) if last is not None else None
        page.has_previous = more
        page.previous_cursor = encode_cursor(ordering, first or [], backwards=True) if more else None
    else:
        page.next_cursor = encode_cursor(ordering, last or []) if more else None
        page.has_previous = values is not None
        page.previous_cursor = encode_cursor(ordering, first or [], backwards=True) if values is not None else None
    return page


def cursor_after(queryset: QuerySet, row: Model) -> str:
    """The cursor of the page that follows `row` in `queryset`'s ordering (to leave numbered pages for cursors)."""
    ordering = stable_ordering(queryset)
    return encode_cursor(ordering, _row_values(row, ordering))


class CappedPage(Page):
    """A page of a CappedPaginator: `next_cursor` continues the list past the capped count."""

    next_cursor: str | None = None


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP + 1; `count_capped` says when it did.

    When capped, the numbered pages cover the first `cap` rows exactly and the last of them has a next page: the
    page's `next_cursor` continues the list by keyset (see keyset_page)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.count_capped:
            return max(1, self.cap // self.per_page)
        return super().num_pages

    def _get_page(self, *args: Any, **kwargs: Any) -> CappedPage:
        return CappedPage(*args, **kwargs)

    def page(self, number) -> CappedPage:
        page = cast(CappedPage, super().page(number))
        if self.count_capped and page.number == self.num_pages and page.object_list:
            rows = list(page.object_list)
            page.object_list = rows
            page.next_cursor = cursor_after(cast(QuerySet, self.object_list), rows[-1])
        return page


def paginate_html(queryset: QuerySet, params, size: int):
    """A page of an HTML list: numbered (`?page=`) over the first COUNT_CAP rows, by keyset (`?cursor=`) after.

    Raises InvalidCursor for a cursor that cannot be read (the page answers 400 with the reason)."""
    paginator = CappedPaginator(queryset, size)
    cursor = params.get("cursor")
    if cursor is None:
        return paginator.get_page(params.get("page"))
    page = keyset_page(queryset, cursor, size)
    page.paginator = paginator
    return page


def page_numbers(page) -> list[int | None]:
    """Page numbers to show around the current one (None marks a gap): 1 … 4 5 [6] 7 8 … 20."""
    if page.number is None:  # a page reached by cursor, past the numbered ones
        return []
    last, current = page.paginator.num_pages, page.number
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
