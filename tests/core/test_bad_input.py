"""A hostile corpus through the API and the pages, as an agent and as an end user: never a 500, nothing lost.

Each input is either refused (400 naming the field, a form error, 413) and leaves the database exactly as it was,
or accepted and stored exactly as sent. Responses are collected rather than raised, so one test reports every
endpoint and input that answered 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core import limits
from core.models import JournalEntry
from incidents.models import Incident
from sla.models import Schedule, SlaDefinition
from tests.core.test_input_limits import HUGE, snapshot
from tests.incidents import views_support
from tests.incidents.api_support import API, upload, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world

NUL = "before\x00after"
# Refused wherever they go: PostgreSQL cannot store a NUL; HUGE is over every text limit.
REFUSED = {"nul": NUL, "huge": HUGE}
# Odd but valid: must be stored exactly as sent.
ACCEPTED = {
    "unicode": "Ünïcødé ✓ 🚀 مرحبا שלום zero\u200bwidth e\u0301",
    "markup": "<script>alert(1)</script> {{ 7*7 }} {% now 'Y' %} &amp; <b>bold",
    "sql": "x'; DROP TABLE core_ticket; -- \" OR 1=1",
    "format": "%s %(x)s {0} {x!r} %n %%",
    "controls": "line 1\r\nline 2\ttab \x07bell \x1b[31mred",
    "long word": "a" * 3000,  # longer than a tsvector lexeme may be: skipped by the index, kept in the text
}
SEARCHES = ['"unbalanced', "OR -( !!! :* & | <-> ''", "\\", "%_", "🚀", "a" * 3000, NUL, "x" * 5000]
QUERY_PARAMS = [
    {"state": "<script>"}, {"priority": "99999999999999999999999"}, {"priority": "-1"}, {"team": "1e999"},
    {"assignee": "x"}, {"service": "0"}, {"opened_after": "not-a-date"}, {"opened_after": "99999-01-01T00:00"},
    {"ordering": "; drop"}, {"ordering": "-" * 300}, {"limit": "-1"}, {"limit": "10" * 20}, {"offset": "1" * 40},
    {"cursor": "%%%"}, {"page": "9" * 40}, {"q": NUL}, {"state": NUL}, {"count": "exact\x00"},
    {"sla_stage": "breached", "sla_stopped_after": "yesterday"},
]


def no_raise(client: Client) -> Client:
    client.raise_request_exception = False  # a 500 is answered (and recorded here), not raised into the test
    return client


class Findings:
    """Every request made, and those that answered 5xx or broke a rule."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, label: str, response, *, allowed: Callable[[int], bool] = lambda s: s < 500) -> Any:
        if response.status_code >= 500 or not allowed(response.status_code):
            self.problems.append(f"{label}: {response.status_code} {response.content[:200]!r}")
        return response

    def expect(self, label: str, ok: bool, detail: str = "") -> None:
        if not ok:
            self.problems.append(f"{label}: {detail}")

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def refused(status: int) -> bool:
    return status in (200, 302, 400, 409, 413)  # a form shown again with its error, a redirect with a message


# --- the API ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent_a", "requester_a"])
def test_api_writes_refuse_what_cannot_be_stored_and_keep_the_rest_exactly(world, role):
    client = no_raise(world.client(role))
    incident = world.incidents["inc_a"]
    findings = Findings()
    writes = [
        ("create title", lambda v: client.post(API, {"title": v}, format="json"), "title"),
        ("create description", lambda v: client.post(API, {"title": "t", "description": v}, format="json"),
         "description"),
        ("patch title", lambda v: client.patch(f"{API}{incident.number}/", {"title": v}, format="json"), "title"),
        ("patch description", lambda v: client.patch(f"{API}{incident.number}/", {"description": v},
                                                     format="json"), "description"),
        ("comment", lambda v: client.post(f"{API}{incident.number}/comments/", {"body": v}, format="json"), "body"),
    ]
    for label, send, field in writes:
        for name, value in REFUSED.items():
            before = snapshot()
            response = findings.check(f"{label} {name}", send(value), allowed=lambda s: s == 400)
            findings.expect(f"{label} {name} names the field", field in response.json(), str(response.json())[:200])
            findings.expect(f"{label} {name} saved nothing", snapshot() == before)
        for name, value in ACCEPTED.items():
            if field == "title":
                value = value[: limits.TITLE_MAX_LENGTH]
            response = findings.check(f"{label} {name}", send(value), allowed=lambda s: s in (200, 201))
            if response.status_code in (200, 201):
                body = response.json()
                stored = (JournalEntry.objects.get(pk=body["id"]).body if field == "body"
                          else getattr(Incident.objects.get(number=body["number"]), field))
                findings.expect(f"{label} {name} stored exactly", stored == value, repr(stored[:80]))
    findings.assert_none()


def test_api_json_that_cannot_be_parsed_or_stored_is_a_400(world):
    client = no_raise(world.client("agent_a"))
    incident = world.incidents["inc_a"]
    findings = Findings()
    depth_33 = "[" * 33 + "]" * 33
    bodies = {
        "depth 33": '{"title": "t", "description": ' + depth_33 + "}",
        "depth 33 at the top": depth_33,
        "depth 100000": "[" * 100_000 + "]" * 100_000,
        "deep object": '{"a":' * 40 + "1" + "}" * 40,
        "lone surrogate": '{"title": "a\\ud800b"}',
        "lone low surrogate": '{"title": "t", "description": "\\udc00"}',
        "surrogate in a key": '{"ti\\ud800tle": "t"}',
        "NUL escaped": '{"title": "a\\u0000b"}',
        "NUL in a key": '{"tit\\u0000le": "t"}',
        "not JSON": "{title: t}",
        "truncated": '{"title": "t',
        "a list": '["title", "t"]',
        "a number": "12",
        "null": "null",
        "wrong types": '{"title": ["t"], "description": {"a": 1}, "impact": 1e999, "urgency": "1; drop"}',
        "NaN": '{"title": "t", "impact": NaN}',
        "huge reference": '{"title": "t", "service": 99999999999999999999999999999}',
        "duplicate keys": '{"title": "a", "title": "b\\u0000"}',
    }
    targets = [API, f"{API}{incident.number}/comments/", f"{API}{incident.number}/transition/",
               "/api/v1/sla/definitions/", "/api/v1/sla/schedules/"]
    admin = no_raise(world.client("admin"))
    for name, text in bodies.items():
        for target in targets:
            before = (snapshot(), Schedule.objects.count(), SlaDefinition.objects.count())
            sender = admin if "/sla/" in target else client
            findings.check(f"{name} -> {target}", sender.generic("POST", target, text, content_type="application/json"),
                           allowed=lambda s: s == 400)
            after = (snapshot(), Schedule.objects.count(), SlaDefinition.objects.count())
            findings.expect(f"{name} -> {target} saved nothing", after == before)
        response = client.generic("PATCH", f"{API}{incident.number}/", text, content_type="application/json")
        findings.check(f"{name} -> PATCH", response, allowed=lambda s: s == 400)
    for name, raw in {"invalid UTF-8": b'{"title": "\xff\xfe"}', "UTF-16": '{"title": "t"}'.encode("utf-16")}.items():
        findings.check(name, client.generic("POST", API, raw, content_type="application/json"),
                       allowed=lambda s: s == 400)
    findings.assert_none()


def test_api_errors_name_the_problem(world):
    client = world.client("agent_a")
    deep = client.generic("POST", API, '{"title": ' + "[" * 33 + "]" * 33 + "}", content_type="application/json")
    assert deep.status_code == 400
    assert deep.json() == {"detail": "JSON parse error - the document is nested more than 32 levels deep, which is "
                                     "not accepted."}
    at_limit = client.generic("POST", API, '{"title": ' + "[" * 31 + "]" * 31 + "}", content_type="application/json")
    assert at_limit.status_code == 400 and list(at_limit.json()) == ["title"]  # parsed; then not a string
    surrogate = client.generic("POST", API, '{"title": "t", "description": "x\\ud800"}',
                               content_type="application/json")
    assert surrogate.status_code == 400
    assert surrogate.json() == {"description": [
        "Lone surrogate characters (U+D800) are not allowed: send valid UTF-16 pairs."]}
    nested = world.client("admin").generic("POST", "/api/v1/sla/definitions/",
                                           '{"actions": {"100": ["a\\u0000"]}}', content_type="application/json")
    assert nested.status_code == 400
    assert nested.json() == {"actions.100.0": ["Null characters (\\u0000) are not allowed."]}
    pair = client.generic("POST", API, '{"title": "Rocket \\ud83d\\ude80"}', content_type="application/json")
    assert pair.status_code == 201 and pair.json()["title"] == "Rocket 🚀"  # a valid pair is one character


@pytest.mark.parametrize("role", ["agent_a", "requester_a"])
def test_api_reads_with_hostile_parameters_never_fail(world, role):
    client = no_raise(world.client(role))
    number = world.incidents["inc_a"].number
    findings = Findings()
    for text in SEARCHES:
        for path in (API, "/api/v1/sla/timers/", "/api/v1/services/", "/api/v1/users/", f"{API}{number}/history/"):
            for key in ("q", "search"):
                findings.check(f"{path}?{key}={text[:20]!r}", client.get(path, {key: text}))
    for params in QUERY_PARAMS:
        findings.check(f"{API}?{params}", client.get(API, params))
        findings.check(f"timers?{params}", client.get("/api/v1/sla/timers/", params))
    for path in (f"{API}INC%00/", f"{API}{number}%00/comments/", f"{API}%ff%fe/", f"{API}{'9' * 5000}/",
                 f"{API}{number}/watchers/99999999999999999999999/", "/api/v1/%00", f"{API}{number}/?x=%00"):
        findings.check(path, client.get(path), allowed=lambda s: s in (400, 403, 404, 405))
    findings.assert_none()


def test_api_uploads_with_hostile_names_are_kept_or_refused_cleanly(world):
    client = no_raise(world.client("agent_a"))
    url = f"{API}{world.incidents['inc_a'].number}/attachments/"
    findings = Findings()
    for name in ("a\x00b.txt", "../../etc/passwd", "x" * 1000 + ".txt", "<script>.html", "🚀.txt", "con.txt",
                 "a\ud800.txt".encode("utf-8", "surrogatepass").decode("utf-8", "replace")):
        before = snapshot()
        response = findings.check(repr(name[:30]), client.post(url, {"file": upload(name)}, format="multipart"),
                                  allowed=lambda s: s in (201, 400))
        if response.status_code == 201:
            filename = response.json()["filename"]
            findings.expect(f"{name[:30]!r} stored safely", "\x00" not in filename and "/" not in filename
                            and len(filename) <= 255, repr(filename[:80]))
        else:
            findings.expect(f"{name[:30]!r} saved nothing", snapshot() == before)
    findings.assert_none()


# --- the pages ----------------------------------------------------------------------------------------------


def page_posts(world, service_id: int) -> list[tuple[str, str, str, Callable[[str], dict[str, Any]], str]]:
    """(who, label, url, data for a value, the field it goes in) of every form a value can be typed into."""
    a, b = world.incidents["inc_a"], world.incidents["inc_a2"]
    version = a.version

    def edit(value: str, field: str) -> dict[str, Any]:
        shown = {"title": a.title, "description": a.description, "service": a.service_id, "impact": a.impact,
                 "urgency": a.urgency, "team": a.team_id or "", "assignee": "", "channel": a.channel,
                 "category": "", "subcategory": "", "parent": ""}
        return {"version": version, **shown, **{f"initial-{k}": v for k, v in shown.items()}, field: value}

    report = {"urgency": "3", "service": service_id}
    return [
        ("requester_a", "report title", reverse("portal-report"),
         lambda v: {**report, "title": v, "description": "d"}, "title"),
        ("requester_a", "report description", reverse("portal-report"),
         lambda v: {**report, "title": "t", "description": v}, "description"),
        ("requester_a", "reply", reverse("portal-incident-reply", args=[a.number]), lambda v: {"body": v}, "body"),
        ("requester_a", "reopen comment", reverse("portal-incident-state", args=[a.number]),
         lambda v: {"state": "in_progress", "comment": v}, "comment"),
        ("colleague_a", "withdraw reason", reverse("portal-incident-withdraw", args=[b.number]),
         lambda v: {"reason": v}, "reason"),
        ("agent_a", "agent create", reverse("agent-incident-new"),
         lambda v: {"q": v, "requester": world.users["requester_a"].pk, "title": "t", "description": v,
                    "impact": "3", "urgency": "3", "channel": "phone"}, "description"),
        ("agent_a", "agent edit title", reverse("agent-incident", args=[a.number]), lambda v: edit(v, "title"),
         "title"),
        ("agent_a", "agent edit description", reverse("agent-incident", args=[a.number]),
         lambda v: edit(v, "description"), "description"),
        ("agent_a", "work note", reverse("agent-incident-comment", args=[a.number]),
         lambda v: {"body": v, "visibility": "internal"}, "body"),
        ("agent_a", "resolve", reverse("agent-incident-state", args=[a.number]),
         lambda v: {"state": "resolved", "version": version, "resolution_code": "solved", "resolution_notes": v},
         "resolution_notes"),
        ("agent_a", "hold reason", reverse("agent-incident-state", args=[a.number]),
         lambda v: {"state": "on_hold", "version": version, "hold_reason": v}, "hold_reason"),
        ("agent_a", "watcher search", reverse("agent-incident-watcher-add", args=[a.number]),
         lambda v: {"q": v}, "q"),
        ("agent_a", "link target", reverse("agent-incident-link-add", args=[a.number]),
         lambda v: {"kind": "related", "target": v}, "target"),
        ("agent_a", "bulk numbers", reverse("agent-incidents-bulk"),
         lambda v: {"action": "assign", "numbers": [a.number, v], "team": a.team_id}, "numbers"),
        ("agent_a", "bulk notes", reverse("agent-incidents-bulk"),
         lambda v: {"action": "transition", "numbers": [a.number], "state": "resolved", "resolution_code": "solved",
                    "resolution_notes": v}, "resolution_notes"),
    ]


def test_pages_refuse_nul_and_oversized_text_in_every_form_without_saving(ui_world, service_email):
    findings = Findings()
    clients = {role: no_raise(ui_world.client(role)) for role in ("requester_a", "colleague_a", "agent_a")}
    for who, label, url, data, _field in page_posts(ui_world, service_email.pk):
        for name, value in REFUSED.items():
            before = snapshot()
            response = findings.check(f"{label} {name}", clients[who].post(url, data(value)), allowed=refused)
            findings.expect(f"{label} {name} saved nothing", snapshot() == before)
            if response.status_code == 400 and name == "huge" and "reason" not in label:
                findings.expect(f"{label} {name} keeps what was typed", HUGE[-300:] in response.content.decode())
    findings.assert_none()


def test_pages_store_odd_but_valid_text_exactly(ui_world, service_email):
    client = no_raise(ui_world.client("requester_a"))
    agent = no_raise(ui_world.client("agent_a"))
    findings = Findings()
    number = ui_world.number("inc_a")
    for name, value in ACCEPTED.items():
        response = findings.check(f"report {name}", client.post(reverse("portal-report"), {
            "title": name, "description": value, "urgency": "3", "service": service_email.pk}),
            allowed=lambda s: s == 302)
        if response.status_code == 302:
            stored = Incident.objects.filter(title=name).values_list("description", flat=True).first()
            findings.expect(f"report {name} stored exactly", stored == value.strip(), repr((stored or "")[:60]))
        findings.check(f"work note {name}", agent.post(reverse("agent-incident-comment", args=[number]),
                                                      {"body": value, "visibility": "internal"}),
                       allowed=lambda s: s == 302)
        findings.expect(f"work note {name} stored exactly",
                        JournalEntry.objects.filter(body=value.strip()).exists())
    findings.assert_none()


def test_page_addresses_and_filters_with_hostile_values_never_fail(ui_world):
    findings = Findings()
    agent = no_raise(ui_world.client("agent_a"))
    requester = no_raise(ui_world.client("requester_a"))
    number = ui_world.number("inc_a")
    for path in ("/agent/incidents/INC%00/", f"/agent/incidents/{number}%00/comment/", "/portal/incidents/%00/",
                 "/portal/incidents/INC%00/", f"/agent/incidents/{'9' * 5000}/", "/agent/incidents/%ff%fe/",
                 "/%00", "/attachments/99999999999999999999999/download/", f"/agent/incidents/{number}/?tab=%00"):
        for client in (agent, requester):
            findings.check(path, client.get(path), allowed=lambda s: s in (302, 400, 403, 404))
    nul_path = agent.get("/agent/incidents/INC%00/")
    findings.expect("a NUL in the path says why", b"NUL character" in nul_path.content, str(nul_path.content[:300]))
    for text in SEARCHES:
        findings.check(f"queue q={text[:20]!r}", agent.get("/agent/incidents/", {"q": text}))
        findings.check(f"people q={text[:20]!r}", agent.get("/people/search/", {"q": text}))
    for params in QUERY_PARAMS:
        findings.check(f"queue {params}", agent.get("/agent/incidents/", params))
        findings.check(f"portal {params}", requester.get("/portal/incidents/", params))
        findings.check(f"sla dashboard {params}", agent.get("/manager/sla/", params))
    findings.check("bulk NUL only", agent.post(reverse("agent-incidents-bulk"),
                                              {"action": "assign", "numbers": ["INC\x00"]}), allowed=refused)
    findings.assert_none()


def test_a_nul_in_the_bulk_numbers_is_a_message_and_nothing_changes(ui_world, team_network):
    client = ui_world.client("agent_a")
    before = snapshot()
    response = client.post(reverse("agent-incidents-bulk"), {
        "action": "assign", "numbers": [ui_world.number("inc_a"), "INC\x00"], "team": team_network.pk}, follow=True)
    assert response.status_code == 200
    assert "A ticked row is not an incident number." in response.content.decode()
    assert snapshot() == before


def test_json_bodies_too_large_for_the_request_are_413_and_say_so(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = no_raise(world.client("agent_a"))
    before = snapshot()
    response = client.post(API, json.dumps({"title": "t", "description": "x" * 2000}),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large (1.99 KB): at most 1 KB is accepted."}
    assert snapshot() == before
