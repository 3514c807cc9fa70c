"""CMDB impact benchmark (issue 12): over 100,000 configuration items and 300,000 relationships, an impact query at
depth 5 answers in under 100 ms p50.

    .venv/bin/python bench/bench_cmdb.py                 # (re)creates itsm_bench_cmdb, ~1 min
    .venv/bin/python bench/bench_cmdb.py --keep --runs 50

It creates the database `itsm_bench_cmdb`, migrates it and writes, in SQL, a layered estate as a data centre has
one: 1,000 network switches, 4,000 hosts (each connected to two switches), 40,000 virtual machines (hosted by a
host), 10,000 databases (running on a virtual machine), 35,000 applications (running on two virtual machines,
depending on two databases and on other applications: cycles included) and 10,000
business services (each depending on five applications): 100,000 CIs, 300,000 relationships. Then, in-process
with DEBUG off, it times the API's impact endpoint (GET /api/v1/cmdb/cis/{id}/impact/, depth 5: the walk, the
nearest 500 CIs and the services) as an agent: what fails with a random host, with a random database, and what a
random business service depends on; and the bare walk from a switch (the widest reach) for the record. Writes
RESULTS-cmdb.md. `--database-url` (what run_all.sh passes) is accepted and ignored.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_DIR, PG_SERVER_URL, measure, recreate_database, setup_django

DATABASE = "itsm_bench_cmdb"
TARGET_MS = 100.0
# class slug, name, how many, first id offset is computed
LAYERS = [("switch", "Network switch", 1_000), ("host", "Host", 4_000), ("vm", "Virtual machine", 40_000),
          ("database", "Database", 10_000), ("application", "Application", 35_000),
          ("service", "Business service", 10_000)]


def generate() -> dict[str, tuple[int, int]]:
    """The CIs (ids by layer: first, count) and relationships, in a few SQL statements."""
    from django.db import connection

    from cmdb.models import CIClass

    ranges: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        start = 1
        for slug, name, count in LAYERS:
            ci_class = CIClass.objects.create(slug=slug, name=name, is_service=slug == "service")
            cursor.execute("""
                INSERT INTO cmdb_configurationitem (id, name, ci_class_id, status, environment, location,
                    serial_number, asset_tag, description, attributes, created_at, updated_at, version)
                SELECT g, %s || '-' || lpad((g - %s)::text, 6, '0'), %s, 'in_use', 'production', '', '', '', '',
                       '{}'::jsonb, now(), now(), 1
                FROM generate_series(%s, %s) g""", [slug, start, ci_class.pk, start, start + count - 1])
            ranges[slug] = (start, count)
            start += count
        cursor.execute("SELECT setval(pg_get_serial_sequence('cmdb_configurationitem', 'id'), %s)", [start])

        def edges(source: str, target: str, kind: str, per: int, salt: int) -> None:
            (s0, sn), (t0, tn) = ranges[source], ranges[target]
            cursor.execute("""
                INSERT INTO cmdb_relationship (source_id, target_id, kind, created_at)
                SELECT DISTINCT s, %s + ((s::bigint * 7919 + k::bigint * %s) %% %s), %s, now()
                FROM generate_series(%s, %s) s, generate_series(1, %s) k
                WHERE s <> %s + ((s::bigint * 7919 + k::bigint * %s) %% %s)
                ON CONFLICT DO NOTHING""", [t0, salt, tn, kind, s0, s0 + sn - 1, per, t0, salt, tn])

        edges("host", "switch", "connects_to", 2, 104729)
        edges("vm", "host", "hosted_by", 1, 1)
        edges("database", "vm", "runs_on", 1, 3)
        edges("application", "vm", "runs_on", 2, 15485863)
        edges("application", "database", "depends_on", 2, 32452843)
        edges("service", "application", "depends_on", 5, 49979687)
        edges("application", "application", "depends_on", 2, 86028121)  # applications on others: cycles too
        cursor.execute("ANALYZE cmdb_relationship")
        cursor.execute("ANALYZE cmdb_configurationitem")
    return ranges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is")
    parser.add_argument("--database-url", help="ignored (run_all.sh passes the 1M database to every bench_*.py)")
    args = parser.parse_args()
    if not args.keep:
        recreate_database(DATABASE)
    setup_django(f"{PG_SERVER_URL}/{DATABASE}")
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import issue_token
    from cmdb import impact
    from cmdb.models import CIClass, ConfigurationItem, Relationship

    call_command("migrate", verbosity=0)
    if not ConfigurationItem.objects.exists():
        began = time.perf_counter()
        generate()
        print(f"estate written in {time.perf_counter() - began:.0f} s")
    ranges = {c.slug: list(ConfigurationItem.objects.filter(ci_class=c).values_list("pk", flat=True))
              for c in CIClass.objects.all()}
    agent, _ = User.objects.get_or_create(username="cmdb-agent", defaults={"role": Role.AGENT})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(agent, 'bench')[1]}")
    pick = random.Random(12)
    reach: dict[str, list[int]] = {}

    def impact_of(layer: str, direction: str) -> object:
        def call() -> None:
            ci = pick.choice(ranges[layer])
            answer = api.get(f"/api/v1/cmdb/cis/{ci}/impact/", {"direction": direction, "depth": 5})
            assert answer.status_code == 200, answer.content
            reach.setdefault(f"{layer}-{direction}", []).append(answer.json()["count"])
        return call

    def switch_walk() -> None:
        found = impact.walk(pick.choice(ranges["switch"]), backwards=True, depth=5)
        reach.setdefault("switch-walk", []).append(len(found))

    cases = [("what fails with a host (API)", "host-affected", impact_of("host", "affected")),
             ("what fails with a database (API)", "database-affected", impact_of("database", "affected")),
             ("what a business service depends on (API)", "service-dependencies",
              impact_of("service", "dependencies")),
             ("what fails with a switch (the walk alone)", "switch-walk", switch_walk)]
    results = [(label, key, measure(call, args.runs)) for label, key, call in cases]
    lines = ["# CMDB impact benchmark", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/bench_cmdb.py` ({args.runs} requests each after "
             f"3 warm-ups, in-process, DEBUG off) over {ConfigurationItem.objects.count():,} configuration items and "
             f"{Relationship.objects.count():,} relationships, depth 5, a random CI each time. Target: under "
             f"{TARGET_MS:.0f} ms p50.", "",
             "| impact query | p50 ms | p90 ms | max ms | queries | CIs reached (median) |",
             "|---|---|---|---|---|---|"]
    for label, key, figures in results:
        reached = sorted(reach.get(key, [0]))
        lines.append(f"| {label} | {figures['p50']:.1f} | {figures['p90']:.1f} | {figures['max']:.1f} | "
                     f"{figures['queries']} | {reached[len(reached) // 2]:,} |")
    ok = all(figures["p50"] < TARGET_MS for label, _key, figures in results if "(API)" in label)
    lines += ["", f"Target met by the API's impact queries: **{'yes' if ok else 'NO'}**."]
    text = "\n".join(lines) + "\n"
    (BENCH_DIR / "RESULTS-cmdb.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
