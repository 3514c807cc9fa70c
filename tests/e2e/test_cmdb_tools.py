"""The CMDB's tools in a browser: upload a CSV file on the import page, read the preview, confirm (a real Celery
worker writes it while the page waits); then open a CI's dependency graph and expand a node (the graph grows), with
no error in the console (CSP included)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import VariableType
from cmdb.models import CIClass, ClassAttribute, ConfigurationItem
from tests.celery_support import start_worker, stop_worker
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ITEMS = ("name;class;environment;attr:cpus\n"
         "payroll;Application;Production;\n"
         "app01;Server;Production;8\n"
         "host01;Server;Production;64\n"
         "rack01;Server;Production;\n"
         "portal;Application;Staging;\n")
RELATIONSHIPS = ("source_class,source,kind,target_class,target\n"
                 "Application,payroll,Runs on,Server,app01\n"
                 "Server,app01,Hosted by,Server,host01\n"
                 "Server,host01,Part of,Server,rack01\n"
                 "Application,portal,Depends on,Application,payroll\n")


@pytest.fixture
def demo(settings, tmp_path):
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    server = CIClass.objects.get_or_create(slug="server", defaults={"name": "Server"})[0]
    CIClass.objects.get_or_create(slug="application", defaults={"name": "Application"})
    ClassAttribute.objects.get_or_create(ci_class=server, name="cpus",
                                         defaults={"label": "CPUs", "var_type": VariableType.NUMBER})


@pytest.fixture
def worker(demo):
    """A real Celery worker: it applies the confirmed imports."""
    proc = start_worker("cmdb-import")
    yield proc
    stop_worker(proc)


def upload(page, name, text):
    page.goto("/agent/cmdb/import/")
    page.get_by_label("CSV file").set_input_files({"name": name, "mimeType": "text/csv",
                                                   "buffer": text.encode("utf-8-sig")})
    page.get_by_test_id("import-preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of")


def test_import_then_explore_the_graph(page, demo, worker):
    sign_in(page, "agent1")
    upload(page, "cis.csv", ITEMS.replace("portal;Application;Staging;", "portal;Application;Mars;"))
    expect(page.get_by_test_id("import-problems")).to_contain_text(
        "line 6, environment: Choose one of Production, Staging, Test, Development.")
    expect(page.get_by_test_id("count-created")).to_have_text("4")
    screenshot(page, "cmdb-import-preview-problems")
    upload(page, "cis.csv", ITEMS)
    expect(page.get_by_test_id("count-created")).to_have_text("5")
    expect(page.get_by_test_id("import-rows")).to_contain_text("To create")
    screenshot(page, "cmdb-import-preview")
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("5 created", timeout=20_000)  # the worker wrote it
    expect(page.get_by_test_id("import-state")).to_have_text("Done")
    screenshot(page, "cmdb-import-result")
    upload(page, "relationships.csv", RELATIONSHIPS)
    expect(page.get_by_test_id("import-relationships")).to_contain_text("Hosted by")
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("Relationships: 4 created", timeout=20_000)

    app01 = ConfigurationItem.objects.get(name="app01")
    page.goto(f"/agent/cmdb/{app01.pk}/graph/")
    graph = page.get_by_test_id("graph")
    expect(graph).to_have_attribute("data-node-count", "3")  # app01, payroll, host01
    expect(page.get_by_test_id("graph-list")).to_contain_text("Hosted by")
    expect(page.get_by_test_id("graph-legend")).to_contain_text("Application")
    page.wait_for_timeout(300)
    screenshot(page, "cmdb-graph")
    host01 = ConfigurationItem.objects.get(name="host01")
    position = page.evaluate(f"window.cmdbGraph.getElementById('{host01.pk}').renderedPosition()")
    box = graph.bounding_box()
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    expect(graph).to_have_attribute("data-node-count", "4")  # and rack01
    expect(page.get_by_test_id("graph-status")).to_contain_text("Added 1 configuration item around host01")
    expect(page.get_by_test_id("graph-list")).to_contain_text("rack01")
    page.wait_for_timeout(300)
    screenshot(page, "cmdb-graph-expanded")
    assert page.console_errors == []
