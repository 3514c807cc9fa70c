"""The API's pagination: `?limit=&offset=` (50 by default, at most 500), `{count, count_exact, next, previous,
results}`. `count` stops at COUNT_CAP + 1 unless the caller asks for `?count=exact` (see core.pagination)."""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.response import Response

from core.pagination import COUNT_CAP, capped_count


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_count(self, queryset) -> int:
        self.count_exact = self.request.query_params.get("count") == "exact"
        if self.count_exact:
            return queryset.order_by().count()
        count = capped_count(queryset)
        self.count_exact = count <= COUNT_CAP
        return count

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data) -> Response:
        return Response({
            "count": self.count, "count_exact": self.count_exact, "next": self.get_next_link(),
            "previous": self.get_previous_link(), "results": data,
        })

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Matching items; at most {COUNT_CAP + 1} unless ?count=exact is given (see count_exact)."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean", "description": "False when count stopped at its cap: there are more items.",
        }
        return response
