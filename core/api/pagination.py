from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=`, 50 by default, at most 500 per page: `{count, next, previous, results}`."""

    default_limit = 50
    max_limit = 500
