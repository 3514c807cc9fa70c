"""Where a page's time goes, in-process: total, SQL and Python per request, query count, and a profile.

    .venv/bin/python bench/profile_pages.py --database-url 1m                       # every page, 20 requests each
    .venv/bin/python bench/profile_pages.py --database-url 1m --only ticket_page --profile   # + pyinstrument

Each page is requested through Django's test client as the benchmark agent (signed in once; no gunicorn, no
network), warmed up, then timed `--repeat` times: the p50 of the whole request, of the time spent waiting for
PostgreSQL (an execute wrapper around every query) and of the rest (Python: middleware, ORM, forms, templates),
and the process's CPU time, median and least (steadier than the wall clock when other programs share the CPU).
`--profile` prints a pyinstrument profile of the page (`pip install pyinstrument`, in `.[dev]`; PROFILE_ALL=1 keeps
the library frames), `--cprofile` the functions with the most own time (PROFILE_SORT=cumulative, PROFILE_LINES=80
to change the order and length). The collector is frozen after start-up, as itsm/wsgi.py does in gunicorn.
Use it to find what to cut; use `load.py` (gunicorn + wrk) for the figures the issues' targets are about.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_AGENT, database_url, setup_django
from load import scenario_data


class SqlTimer:
    """An execute wrapper that adds up the time spent in the database and counts the queries."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def pages(data: dict) -> dict[str, tuple[str, str]]:
    """Name -> (client, path): the scenarios of load.py that the issues' targets name."""
    number = data["numbers"][0]
    problem = data["problem_numbers"][0] if data["problem_numbers"] else ""
    return {
        "ping": ("web", "/bench/ping/"),
        "queue_open": ("web", "/agent/incidents/?queue=open"),
        "ticket_page": ("web", f"/agent/incidents/{number}/"),
        "api_list_state": ("api", "/api/v1/incidents/?state=new&priority=2&ordering=-updated_at"),
        "api_detail": ("api", f"/api/v1/incidents/{number}/"),
        "problem_queue": ("web", "/agent/problems/"),
        "problem_page": ("web", f"/agent/problems/{problem}/"),
        "api_problem_list": ("api", "/api/v1/problems/?state=assessment&ordering=-updated_at"),
        "problem_known": ("web", "/agent/problems/?active=true&known_error=true"),
        "known_errors": ("web", "/agent/known-errors/?q=error"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of each page")
    parser.add_argument("--cprofile", action="store_true", help="print the functions that take the most own time")
    args = parser.parse_args()
    url = database_url(args.database_url)
    setup_django(url)

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages' static tags read its manifest

    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.models import User

    agent = User.objects.get(username=BENCH_AGENT)
    web = Client()
    web.force_login(agent)
    api = APIClient()
    api.force_authenticate(agent)
    clients = {"web": web, "api": api}
    chosen = pages(scenario_data(url, BENCH_AGENT))
    import gc

    gc.freeze()  # as itsm/wsgi.py does in gunicorn: the collector leaves the loaded code and settings alone
    if args.only:
        chosen = {name: chosen[name] for name in args.only.split(",")}

    print(f"{'page':<18} {'p50 ms':>8} {'SQL ms':>8} {'Python ms':>10} {'CPU ms':>8} {'min CPU':>8} {'queries':>8}")
    for name, (client_name, path) in chosen.items():
        client = clients[client_name]
        for _ in range(args.warmup):
            response = client.get(path)
            if response.status_code != 200:
                sys.exit(f"{name}: {path} answered {response.status_code}")
        totals, sqls, cpus, counts = [], [], [], []
        for _ in range(args.repeat):
            timer = SqlTimer()
            start, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timer):
                client.get(path)
            totals.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            sqls.append(timer.seconds)
            counts.append(timer.queries)
        total, sql = statistics.median(totals) * 1000, statistics.median(sqls) * 1000
        cpu, least = statistics.median(cpus) * 1000, min(cpus) * 1000
        print(f"{name:<18} {total:8.1f} {sql:8.1f} {total - sql:10.1f} {cpu:8.1f} {least:8.1f} {max(counts):8d}"
              + (f" (once {max(counts)}, usually {statistics.mode(counts)})" if min(counts) != max(counts) else ""),
              flush=True)
        if args.cprofile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.repeat):
                client.get(path)
            profile.disable()
            order, lines = os.environ.get("PROFILE_SORT", "tottime"), int(os.environ.get("PROFILE_LINES", "40"))
            pstats.Stats(profile).sort_stats(order).print_stats(lines)
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.repeat):
                client.get(path)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))


if __name__ == "__main__":
    main()
