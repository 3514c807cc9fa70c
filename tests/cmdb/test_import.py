"""The CSV import (cmdb.imports): rows validated with their line and column named, nothing imported while any row
is wrong (unless the valid rows are asked for), an idempotent upsert by class and name whose updates the history
records, byte order marks and semicolons, relationship files, and the file's limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cmdb import imports
from cmdb.choices import Environment, RelationKind
from cmdb.models import CIChange, ConfigurationItem, Relationship

pytestmark = pytest.mark.django_db

HEADER = "name,class,status,environment,owner_team,support_team,location,services,attr:cpus,attr:os,attr:virtual\n"
GOOD = (HEADER
        + "web01,Server,In use,Production,service-desk,Network,Rack 1,email;VPN,8,Linux,yes\n"
        + "web02,server,planned,staging,,,Rack 2,,4,Windows,no\n"
        + "payroll,Application,,,,,,email,,,\n")


@pytest.fixture
def setup(server_class, app_class, team_service_desk, team_network, service_email, service_vpn, agent_a):
    return agent_a


def test_a_clean_file_creates_each_row_with_its_history(setup):
    plan = imports.run_csv(GOOD, setup)
    assert plan.counts() == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert not plan.applied and ConfigurationItem.objects.count() == 0  # a preview writes nothing
    plan = imports.run_csv(GOOD, setup, commit=True)
    assert plan.applied
    web01 = ConfigurationItem.objects.get(name="web01")
    assert web01.environment == Environment.PRODUCTION
    assert web01.owner_team.slug == "service-desk" and web01.support_team.name == "Network"
    assert web01.attributes == {"cpus": "8", "os": "Linux", "virtual": True}
    assert sorted(web01.services.values_list("slug", flat=True)) == ["email", "vpn"]
    web02 = ConfigurationItem.objects.get(name="web02")
    assert web02.status == "planned" and web02.environment == "staging" and web02.owner_team is None
    assert CIChange.objects.filter(field="created").count() == 3


def test_a_second_import_of_the_same_file_changes_nothing(setup):
    imports.run_csv(GOOD, setup, commit=True)
    history = CIChange.objects.count()
    again = imports.run_csv(GOOD.replace("web01", "WEB01", 0).replace("WEB01", "web01"), setup, commit=True)
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert CIChange.objects.count() == history
    assert ConfigurationItem.objects.count() == 3


def test_the_natural_key_ignores_case_and_updates_are_journaled(setup):
    imports.run_csv(GOOD, setup, commit=True)
    changed = (HEADER + "WEB01,SERVER,In use,Test,service-desk,Network,Rack 9,email,8,Linux,yes\n")
    plan = imports.run_csv(changed, setup)
    item = plan.items[0]
    assert item.outcome == "updated"
    assert {(change.label, change.old, change.new) for change in item.changes} == {
        ("Name", "web01", "WEB01"), ("Environment", "Production", "Test"), ("Location", "Rack 1", "Rack 9"),
        ("Services", "E-mail, VPN", "E-mail")}
    imports.run_csv(changed, setup, commit=True)
    ci = ConfigurationItem.objects.get(name="WEB01")
    assert ci.version == 2 and ConfigurationItem.objects.count() == 3
    lines = {(change.field, change.old_value, change.new_value) for change in ci.history.exclude(field="created")}
    assert lines == {("name", "web01", "WEB01"), ("environment", "Production", "Test"),
                     ("location", "Rack 1", "Rack 9"), ("services", "E-mail, VPN", "E-mail")}


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_imported(setup):
    text = (HEADER
            + "web01,Server,In use,Production,,,,,8,Linux,yes\n"
            + "web02,Server,In use,Mars,,,,,8,Linux,yes\n"
            + "web03,Rocket,,,,,,,,,\n"
            + "web04,Server,,,nobody,,,mail,lots,BeOS,maybe\n"
            + ",Server,,,,,,,,,\n"
            + "web01,Server,,,,,,,,,\n")
    plan = imports.run_csv(text, setup, commit=True)
    assert not plan.applied and ConfigurationItem.objects.count() == 0
    errors = dict(plan.errors())
    assert errors["line 3, environment"] == "Choose one of Production, Staging, Test, Development."
    assert errors["line 4, class"].startswith("No class “Rocket”: choose one of Application, Server")
    assert errors["line 5, owner_team"] == "No team “nobody” (a team's slug or name)."
    assert "“mail”" in errors["line 5, services"]
    assert errors["line 5, attr:cpus"] == "Enter a number."
    assert errors["line 5, attr:os"] == "Choose one of: Linux, Windows."
    assert errors["line 5, attr:virtual"] == "Answer yes or no."
    assert errors["line 6, name"] == "Name the configuration item."
    assert errors["line 7, name"] == "Server “web01” is already in this import (line 2)."
    assert plan.counts()["created"] == 1 and plan.counts()["error"] == 5


def test_the_valid_rows_only_when_asked(setup):
    text = HEADER + "web01,Server,,,,,,,8,,\nweb02,Server,,Mars,,,,,,,\n"
    plan = imports.run_csv(text, setup, commit=True, valid_only=True)
    assert plan.applied
    assert list(ConfigurationItem.objects.values_list("name", flat=True)) == ["web01"]


def test_byte_order_mark_semicolons_and_quoted_lines(setup):
    text = ("\ufeffname;class;description;attr:cpus\n"
            'db01;Server;"two\nlines; and a semicolon";16\n'
            "db02;Server;;bad\n")
    plan = imports.run_csv(text, setup)
    assert plan.items[0].outcome == "created" and plan.items[0].line == 2
    assert dict(plan.errors()) == {"line 4, attr:cpus": "Enter a number."}
    plan = imports.run_csv(text.replace("bad", "2"), setup, commit=True)
    assert ConfigurationItem.objects.get(name="db01").description == "two\nlines; and a semicolon"


def test_a_blank_attribute_column_of_another_class_is_ignored(setup):
    text = "name,class,attr:cpus\npayroll,Application,\nhr,Application,4\n"
    plan = imports.run_csv(text, setup)
    assert plan.items[0].outcome == "created"
    assert dict(plan.errors()) == {"line 3, attr:cpus": "Application has no attribute “cpus”."}


def test_a_left_out_column_keeps_the_value_and_a_blank_cell_clears_it(setup):
    imports.run_csv(GOOD, setup, commit=True)
    plan = imports.run_csv("name,class,location\nweb01,Server,\n", setup, commit=True)
    assert [(change.field, change.old, change.new) for change in plan.items[0].changes] == [
        ("location", "Rack 1", "")]
    ci = ConfigurationItem.objects.get(name="web01")
    assert ci.environment == "production" and ci.attributes["cpus"] == "8" and ci.services.count() == 2


@pytest.mark.parametrize(("text", "message"), [
    ("", "The file is empty."),
    ("name,class,colour\nx,Server,red\n", "Unknown column colour"),
    ("name,location\nx,here\n", "The header has no column class"),
    ("name,class,name\n", "appears twice"),
    ("name,class\n", "The file has a header but no rows."),
    ("name,class\nx,Server,extra\n", "Line 2 has 3 cells"),
])
def test_files_refused_as_a_whole(setup, text, message):
    with pytest.raises(imports.ImportFileError) as caught:
        imports.run_csv(text, setup)
    assert message in caught.value.messages[0]


def test_limits_and_encoding(setup, monkeypatch):
    with pytest.raises(imports.ImportFileError, match="not UTF-8"):
        imports.decode("name,class\ncafé,Server\n".encode("latin-1"))
    assert imports.decode("\ufeffname".encode()) == "name"
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(imports.ImportFileError, match="more than 2 rows"):
        imports.parse_csv("name,class\na,Server\nb,Server\nc,Server\n")
    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    with pytest.raises(imports.ImportFileError, match="larger than"):
        imports.decode(b"x" * 11)


def test_relationship_files(setup):
    imports.run_csv(GOOD, setup, commit=True)
    text = ("source_class,source,kind,target_class,target\n"
            "Application,payroll,Runs on,Server,web01\n"
            "application,PAYROLL,depends_on,server,web02\n"
            "Application,payroll,Eats,Server,web09\n")
    plan = imports.run_csv(text, setup, commit=True)
    assert not plan.applied
    assert dict(plan.errors()) == {
        "line 4, kind": "Choose one of Runs on, Depends on, Connects to, Hosted by, Part of.",
        "line 4, target": "No server named “web09” in the CMDB or this import."}
    plan = imports.run_csv(text.rsplit("\n", 2)[0] + "\n", setup, commit=True)
    assert plan.applied and plan.relationship_counts() == {"created": 2, "unchanged": 0, "error": 0}
    assert Relationship.objects.filter(kind=RelationKind.RUNS_ON, source__name="payroll").count() == 1
    again = imports.run_csv(text.rsplit("\n", 2)[0] + "\n", setup, commit=True)
    assert again.relationship_counts() == {"created": 0, "unchanged": 2, "error": 0}
    assert Relationship.objects.count() == 2


def test_an_end_user_cannot_import(setup, requester_a):
    with pytest.raises(Exception) as caught:
        imports.run_csv(GOOD, requester_a, commit=True)
    assert caught.type.__name__ == "PermissionDenied"
    assert not isinstance(caught.value, ValidationError)
