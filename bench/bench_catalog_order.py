"""Catalog ordering benchmark: ordering an item with 20 variables must answer in under 100 ms p50 (issue 10).

    .venv/bin/python bench/bench_catalog_order.py          # on itsm_bench_calendar (bench_calendar.py makes it)
    .venv/bin/python bench/bench_catalog_order.py --runs 50

It adds (once) a catalog item with 20 variables of every type, 5 of them shown by conditions, a two-stage
fulfilment plan and no approval, to the calendar benchmark's database (its 300 agents, 100 services), then orders
it `--runs` times in-process through the API (`POST /api/v1/catalog/items/{id}/order/`, token auth, DEBUG off) and
through the portal form, after 3 warm-ups: p50 / p90 / max and the number of queries. Writes
RESULTS-catalog.md. `--database-url` (what run_all.sh passes) is accepted and ignored.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_DIR, PG_SERVER_URL, measure, setup_django

TARGET_MS = 100.0
ANSWERS = {f"text_{n}": f"Answer {n}" for n in range(5)} | {
    "count": "3", "budget": "1200.50", "start": "2031-03-02", "at": "2031-03-02T09:30", "urgent": True,
    "kind": "Desktop", "size": "27\"", "arm": True, "colour": "Black", "extras": ["Dock", "Mouse"],
    "notes": "Please deliver to the second floor, desk 214.", "code": "ABC-1234", "who": None, "floor": "2",
    "room": "214"}


def make_item() -> object:
    from accounts.models import User
    from catalog.models import CatalogCategory, CatalogItem, VariableType

    category, _ = CatalogCategory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    item = CatalogItem.objects.filter(slug="bench-twenty").first()
    if item is not None:
        return item
    item = CatalogItem.objects.create(name="Workstation (20 fields)", slug="bench-twenty", category=category,
                                      short_description="The benchmark's item.")
    v = item.variables.create
    for n in range(5):
        v(name=f"text_{n}", label=f"Text {n}", var_type=VariableType.TEXT, required=True, max_value=200, order=n)
    v(name="count", label="How many", var_type=VariableType.NUMBER, min_value=1, max_value=10, order=10)
    v(name="budget", label="Budget", var_type=VariableType.NUMBER, order=11)
    v(name="start", label="Start", var_type=VariableType.DATE, order=12)
    v(name="at", label="Delivery at", var_type=VariableType.DATETIME, order=13)
    v(name="urgent", label="Urgent", var_type=VariableType.BOOLEAN, order=14)
    kind = v(name="kind", label="Type", var_type=VariableType.CHOICE, required=True, choices="Laptop\nDesktop",
             order=15)
    size = v(name="size", label="Monitor", var_type=VariableType.CHOICE, required=True, choices='24"\n27"',
             show_when=kind, show_when_value="Desktop", order=16)
    v(name="arm", label="Monitor arm", var_type=VariableType.BOOLEAN, show_when=size, show_when_value='27"',
      order=17)
    v(name="colour", label="Colour", var_type=VariableType.CHOICE, choices="Black\nSilver", show_when=kind,
      show_when_value="Desktop", order=18)
    v(name="extras", label="Extras", var_type=VariableType.MULTI_CHOICE, choices="Dock\nMouse\nKeyboard", order=19)
    v(name="notes", label="Notes", var_type=VariableType.TEXTAREA, max_value=2000, order=20)
    v(name="code", label="Cost centre", var_type=VariableType.TEXT, pattern=r"[A-Z]{3}-\d{4}", order=21)
    who = v(name="who", label="For whom", var_type=VariableType.USER, order=22)
    v(name="floor", label="Floor", var_type=VariableType.NUMBER, show_when=kind, show_when_value="Desktop", order=23)
    v(name="room", label="Room", var_type=VariableType.TEXT, show_when=kind, show_when_value="Desktop", order=24)
    del who
    item.plan.create(stage=1, title="Prepare")
    item.plan.create(stage=2, order=1, title="Deliver")
    item.plan.create(stage=2, order=2, title="Check the port")
    ANSWERS["who"] = str(User.objects.filter(username="agent001").values_list("pk", flat=True).first())
    return item



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calendar-database", default="itsm_bench_calendar")
    parser.add_argument("--database-url", help="ignored (run_all.sh passes the 1M database to every bench_*.py)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django(f"{PG_SERVER_URL}/{args.calendar_database}")
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.services import issue_token

    call_command("migrate", verbosity=0)  # the calendar database may predate the catalog
    call_command("collectstatic", interactive=False, verbosity=0)
    item = make_item()
    agent = User.objects.get(username="agent000")
    if not ANSWERS.get("who"):
        ANSWERS["who"] = str(User.objects.get(username="agent001").pk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(agent, 'bench')[1]}")
    page = Client()
    page.force_login(agent)
    url = f"/api/v1/catalog/items/{item.pk}/order/"

    def by_api() -> None:
        response = api.post(url, {"answers": ANSWERS}, format="json")
        assert response.status_code == 201, response.content

    form = {f"v-{name}": value for name, value in ANSWERS.items() if not isinstance(value, (bool, list))}
    form |= {"v-urgent": "on", "v-urgent-present": "1", "v-arm": "on", "v-arm-present": "1",
             "v-extras": ["Dock", "Mouse"]}

    def by_page() -> None:
        response = page.post(f"/portal/catalog/{item.slug}/", form)
        assert response.status_code == 302, response.content[:2000]

    results = [("API order (20 fields, 5 conditional, a 2-stage plan)", measure(by_api, args.runs)),
               ("portal order, same item", measure(by_page, args.runs))]
    lines = ["# Catalog ordering benchmark", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/bench_catalog_order.py` ({args.runs} orders "
             f"each after 3 warm-ups, in-process, DEBUG off); target: under {TARGET_MS:.0f} ms p50.", "",
             "| order | p50 ms | p90 ms | max ms | queries |", "|---|---|---|---|---|"]
    for label, figures in results:
        lines.append(f"| {label} | {figures['p50']:.0f} | {figures['p90']:.0f} | {figures['max']:.0f} | "
                     f"{figures['queries']} |")
    ok = all(figures["p50"] < TARGET_MS for _, figures in results)
    lines += ["", f"Under {TARGET_MS:.0f} ms p50: **{'yes' if ok else 'NO'}**."]
    text = "\n".join(lines) + "\n"
    print(text)
    (BENCH_DIR / "RESULTS-catalog.md").write_text(text)


if __name__ == "__main__":
    main()
