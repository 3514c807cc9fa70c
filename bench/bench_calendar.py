"""Change calendar benchmark: the month view of 2,000 scheduled changes must render in under 300 ms (issue 9).

    .venv/bin/python bench/bench_calendar.py            # (re)creates itsm_bench_calendar, writes RESULTS-calendar.md
    .venv/bin/python bench/bench_calendar.py --runs 50 --keep   # reuse the database if it has the changes

Its own database (`--calendar-database`, default itsm_bench_calendar; `--database-url`, which run_all.sh passes to
every bench_*.py, is accepted and ignored: the 1M database is left alone). It holds 100 services, 30 teams of 10
agents, 4 blackout windows, weekly maintenance windows for 40 services and 2,000 changes scheduled in March 2031
(windows of 1-4 hours, 8 % emergency, random services, teams and assignees: many overlap, so the conflict sweep has
work). Measured in-process with django.test.Client (DEBUG off, as bench/common.py sets it), after 3 warm-ups:
p50 / p90 / max over `--runs` requests, and the number of queries, for
- the month view as an agent (member of 3 teams) and as a manager, and filtered by one team;
- the busiest week of the month (week view: every change written out);
- GET /api/v1/change-calendar/ for the month, and the iCalendar feed (a year: all 2,000).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_DIR, PG_SERVER_URL, setup_django

N_CHANGES = 2000
MONTH = datetime(2031, 3, 1, tzinfo=UTC)
TARGET_MS = 300.0


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_SERVER_URL + "/postgres", "-qc", sql], check=True, capture_output=True)


def create_database(name: str) -> None:
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")


def populate() -> None:
    """The reference rows and the 2,000 scheduled changes (ORM rows, no journal: the calendar reads none)."""
    from django.core.management import call_command
    from django.utils.text import slugify

    from accounts.models import Team, User
    from accounts.roles import Role
    from catalog.models import Service
    from changes.choices import ChangeType, Risk, State
    from changes.models import BlackoutWindow, Change, MaintenanceWindow
    from core.models import NUMBER_PREFIX, TicketKind

    call_command("migrate", verbosity=0)
    rng = random.Random(9)
    teams = [Team.objects.create(name=f"Team {n:02d}", slug=f"team-{n:02d}") for n in range(30)]
    agents = []
    for n in range(300):
        agent = User.objects.create(username=f"agent{n:03d}", first_name="Agent", last_name=f"{n:03d}",
                                    role=Role.AGENT, email=f"agent{n:03d}@example.com")
        agent.teams.add(teams[n % 30], teams[(n * 7 + 3) % 30], teams[(n * 11 + 5) % 30])
        agents.append(agent)
    manager = User.objects.create(username="manager1", first_name="Maya", last_name="Manager", role=Role.MANAGER)
    services = [Service.objects.create(name=f"Service {n:03d}", slug=slugify(f"service-{n:03d}"),
                                       support_team=teams[n % 30]) for n in range(100)]
    for service in services[:40]:
        for weekday in (1, 3, 5):
            MaintenanceWindow.objects.create(service=service, weekday=weekday, starts="20:00", ends="04:00",
                                             time_zone="Europe/Paris")
    for n in range(4):
        start = MONTH + timedelta(days=7 * n + 2)
        BlackoutWindow.objects.create(name=f"Freeze {n}", starts_at=start, ends_at=start + timedelta(hours=20),
                                      service=services[n] if n % 2 else None)
    states = [State.SCHEDULED] * 9 + [State.IMPLEMENT]
    for n in range(N_CHANGES):
        start = MONTH + timedelta(minutes=rng.randrange(0, 31 * 24 * 60, 15))
        team = rng.choice(teams)
        Change.objects.create(
            number=f"{NUMBER_PREFIX[TicketKind.CHANGE]}{n + 1:07d}", kind=TicketKind.CHANGE,
            title=f"Upgrade component {n} of {rng.choice(services).name}", state=rng.choice(states), active=True,
            requester=manager, team=team, assignee=rng.choice(agents) if rng.random() < 0.8 else None,
            service=rng.choice(services), impact=3, urgency=3, priority=5, opened_at=MONTH - timedelta(days=30),
            updated_at=MONTH - timedelta(days=1),
            change_type=ChangeType.EMERGENCY if rng.random() < 0.08 else ChangeType.NORMAL,
            risk=rng.choice(list(Risk.values)), planned_start=start,
            planned_end=start + timedelta(minutes=rng.choice([60, 90, 120, 180, 240])),
            authorized_at=MONTH - timedelta(days=2), implementation_plan="Plan.", backout_plan="Back.",
            test_plan="Test.")
    call_command("shell", command="from django.db import connection; connection.cursor().execute('ANALYZE')")


def measure(client, url: str, runs: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    times.sort()
    return {"p50": statistics.median(times), "p90": times[int(len(times) * 0.9) - 1], "max": times[-1],
            "queries": len(captured), "bytes": len(response.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calendar-database", default="itsm_bench_calendar")
    parser.add_argument("--database-url", help="ignored (run_all.sh passes the 1M database to every bench_*.py)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse the database when it already holds the changes")
    args = parser.parse_args()
    name = args.calendar_database
    url = f"{PG_SERVER_URL}/{name}"
    exists = subprocess.run(["psql", url, "-tAc", "SELECT count(*) FROM changes_change"], capture_output=True,
                            text=True)
    fresh = not (args.keep and exists.returncode == 0 and exists.stdout.strip() == str(N_CHANGES))
    if fresh:
        create_database(name)
    setup_django(url)
    if not fresh:  # a database kept from an earlier run: bring its schema up to date
        from django.core.management import call_command as migrate_command

        migrate_command("migrate", verbosity=0)
    if fresh:
        began = time.perf_counter()
        populate()
        print(f"populated {name} in {time.perf_counter() - began:.0f} s")

    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the pages read its manifest
    from accounts.models import Team, User
    from changes import feeds

    agent, manager = User.objects.get(username="agent000"), User.objects.get(username="manager1")
    as_agent, as_manager = Client(), Client()
    as_agent.force_login(agent)
    as_manager.force_login(manager)
    _feed, token = feeds.create(agent, {})
    team = Team.objects.get(slug="team-00")
    month = "/agent/changes/calendar/?date=2031-03-15"
    cases = [
        ("month view, agent", as_agent, month),
        ("month view, manager", as_manager, month),
        ("month view, one team", as_agent, f"{month}&team={team.pk}"),
        ("week view (busiest week), agent", as_agent, "/agent/changes/calendar/?view=week&date=2031-03-12"),
        ("API month, agent", as_agent, "/api/v1/change-calendar/?from=2031-03-01T00:00:00Z&to=2031-04-01T00:00:00Z"),
    ]
    results = [(label, measure(client, path, args.runs)) for label, client, path in cases]
    from core import clock

    original = clock.now
    clock.now = lambda: MONTH + timedelta(days=10)  # the feed's year ahead covers the month
    try:
        results.append(("iCalendar feed (all 2,000), no session", measure(Client(), f"/changes/calendar/{token}.ics",
                                                                           args.runs)))
    finally:
        clock.now = original
    lines = ["# Change calendar benchmark", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/bench_calendar.py` "
             f"({args.runs} requests each after 3 warm-ups, in-process, DEBUG off): {N_CHANGES:,} changes scheduled in "
             f"March 2031 on 100 services; target: the month view under {TARGET_MS:.0f} ms.", "",
             "| page | p50 ms | p90 ms | max ms | queries | KB |", "|---|---|---|---|---|---|"]
    for label, figures in results:
        lines.append(f"| {label} | {figures['p50']:.0f} | {figures['p90']:.0f} | {figures['max']:.0f} | "
                     f"{figures['queries']} | {figures['bytes'] / 1024:.0f} |")
    verdict = results[0][1]["p50"] < TARGET_MS and results[1][1]["p50"] < TARGET_MS
    lines += ["", f"Month view under {TARGET_MS:.0f} ms (p50, agent and manager): **{'yes' if verdict else 'NO'}**."]
    text = "\n".join(lines) + "\n"
    print(text)
    (BENCH_DIR / "RESULTS-calendar.md").write_text(text)


if __name__ == "__main__":
    main()
