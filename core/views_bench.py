"""A trivial view for the benchmarks (bench/load.py): one SQL query, through the whole middleware stack.

Mounted at /bench/ping/ only when settings.BENCH_VIEWS (ITSM_BENCH_VIEWS=1); it is the throughput ceiling the
real pages are compared with.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from accounts.models import Team


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"teams": Team.objects.count()})
