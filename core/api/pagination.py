"""The API's pagination: `?limit=&offset=` (50 by default, at most 500) or `?cursor=`, answering
`{count, count_exact, next, previous, results}`.

`count` stops at COUNT_CAP + 1 unless the caller asks for `?count=exact` (see core.pagination); it never decides
whether a next page exists: the page reads one row more than it returns for that. Past the first COUNT_CAP rows,
`next` is a keyset cursor (`?cursor=`), so following `next` walks any number of rows at a constant cost per page.
"""

from __future__ import annotations

import contextlib

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.pagination import COUNT_CAP, InvalidCursor, capped_count, cursor_after, keyset_page

MAX_OFFSET = 10_000_000  # a larger OFFSET reads too many rows (and overflows PostgreSQL's bigint at 2**63)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 500
    cursor_query_param = "cursor"

    request: Request
    limit: int
    offset: int | None

    def get_count(self, queryset) -> int:
        self.count_exact = self.request.query_params.get("count") == "exact"
        if self.count_exact:
            return queryset.order_by().count()
        count = capped_count(queryset)
        self.count_exact = count <= COUNT_CAP
        return count

    def get_offset(self, request) -> int:
        offset = super().get_offset(request)
        if offset > MAX_OFFSET:
            raise ValidationError({self.offset_query_param: [
                f"At most {MAX_OFFSET}: follow the `next` links (they use a cursor past the first items)."]})
        return offset

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request) or self.default_limit
        self.count = self.get_count(queryset)
        self.next_cursor = self.previous_cursor = None
        self.cursor = request.query_params.get(self.cursor_query_param)
        if self.cursor is not None:
            return self._cursor_page(queryset)
        self.offset = offset = self.get_offset(request)
        rows = list(queryset[offset:offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.has_next and offset + self.limit >= COUNT_CAP:
            # deep: continue by keyset, so following `next` never pays for a large OFFSET
            with contextlib.suppress(InvalidCursor):  # an ordering a cursor cannot follow keeps offsets
                self.next_cursor = cursor_after(queryset, rows[-1])
        return rows

    def _cursor_page(self, queryset) -> list:
        try:
            page = keyset_page(queryset, self.cursor, self.limit)
        except InvalidCursor as exc:
            raise ValidationError({self.cursor_query_param: [str(exc)]}) from exc
        self.offset = None
        self.has_next = page.has_next
        self.next_cursor = page.next_cursor
        self.previous_cursor = page.previous_cursor
        self.has_previous = page.has_previous
        return page.object_list

    def _url(self) -> str:
        url = replace_query_param(self.request.build_absolute_uri(), self.limit_query_param, self.limit)
        return remove_query_param(url, self.offset_query_param)

    def get_next_link(self) -> str | None:
        if self.next_cursor:
            return replace_query_param(self._url(), self.cursor_query_param, self.next_cursor)
        if not self.has_next or self.offset is None:
            return None
        return replace_query_param(self._url(), self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        if self.offset is not None:
            link = super().get_previous_link()
            return remove_query_param(link, self.cursor_query_param) if link else None
        if self.previous_cursor:
            return replace_query_param(self._url(), self.cursor_query_param, self.previous_cursor)
        return remove_query_param(self._url(), self.cursor_query_param) if self.has_previous else None

    def get_paginated_response(self, data) -> Response:
        return Response({
            "count": self.count, "count_exact": self.count_exact, "next": self.get_next_link(),
            "previous": self.get_previous_link(), "results": data,
        })

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query", "schema": {"type": "string"},
            "description": "A position in the list, from a `next` or `previous` link (keyset paging: deep pages "
                           "cost no more than the first). Takes precedence over `offset`.",
        }, {
            "name": "count", "required": False, "in": "query", "schema": {"type": "string", "enum": ["exact"]},
            "description": f"`exact` counts every matching item instead of stopping at {COUNT_CAP + 1}.",
        }]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Matching items; at most {COUNT_CAP + 1} unless ?count=exact is given (see count_exact)."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean", "description": "False when count stopped at its cap: there are more items.",
        }
        response["properties"]["next"]["description"] = (
            "The next page, or null at the end of the list; past the first items it carries a `cursor`."
        )
        response["required"] = ["count", "count_exact", "next", "previous", "results"]
        return response
