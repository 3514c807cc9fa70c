"""Size limits (core.limits): each field, each file, each request; refused clearly, before anything is saved.

- Texts over their limit: 400 naming the field in the API, a form error on the page (with what was typed kept),
  a ValidationError from the service functions called in code. A text at the limit is saved and searchable.
- The full-text vector reads a bounded prefix of the description: PostgreSQL's 1 MB tsvector limit is never hit.
- A request body larger than allowed is refused with 413 from its Content-Length, without its body being read.
- Files: each and all together, with messages that name the limit in readable units.
"""

from __future__ import annotations

import io
import socket
import sys
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from core import limits
from core import services as core_services
from core.models import Attachment, JournalEntry, Ticket
from incidents import services
from incidents.models import Incident
from sla.models import Schedule
from tests.incidents import views_support
from tests.incidents.api_support import API, upload, world_fixture  # noqa: F401

ui_world = views_support.ui_world  # the page tests' world (fixture)


def distinct_words(n_bytes: int, prefix: str = "q") -> str:
    """About `n_bytes` of text where every word is different (the worst case for a tsvector)."""
    words, size, i = [], 0, 0
    while size < n_bytes:
        word = f"{prefix}{i:x}k"
        words.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(words)


HUGE = distinct_words(800 * 1024)  # ~800 KiB of distinct words: over 1 MB as a tsvector


def snapshot() -> tuple[Any, ...]:
    """What a refused request must leave exactly as it was."""
    return (
        Ticket.objects.count(), JournalEntry.objects.count(), Attachment.objects.count(),
        sorted(Incident.objects.values_list("pk", "version", "title", "description", "resolution_notes")),
    )


# --- formatting ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "text"), [
    (10 * 1024 * 1024, "10 MB"), (25 * 1024 * 1024, "25 MB"), (int(2.5 * 1024 * 1024), "2.5 MB"),
    (int(10.04 * 1024 * 1024), "10.04 MB"), (1024, "1 KB"), (4096, "4 KB"), (1000, "1000 bytes"), (1, "1 byte"),
    (0, "0 bytes"), (300 * 1024 * 1024, "300 MB"),
])
def test_sizes_read_as_people_write_them_never_0_0_mb(size, text):
    assert limits.format_size(size) == text


# --- the full-text vector -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_huge_text_of_distinct_words_saves_and_its_beginning_is_searchable(world):
    """PostgreSQL refuses a tsvector over 1 MB ("string is too long for tsvector"): the generated search column
    reads only the first SEARCH_TEXT_PREFIX characters, so even text written around the services saves."""
    incident = world.incidents["inc_a"]
    Ticket.objects.filter(pk=incident.pk).update(description=HUGE)  # raised an error before the prefix
    assert len(world.refresh("inc_a").description) == len(HUGE)
    first_word, last_word = HUGE.split(" ", 1)[0], HUGE.rsplit(" ", 1)[-1]
    found = world.client("agent_a").get(API, {"q": first_word}).json()
    assert [r["number"] for r in found["results"]] == [incident.number]
    # beyond the prefix a word is stored but not indexed (documented in core.limits)
    assert world.client("agent_a").get(API, {"q": last_word}).json()["results"] == []


@pytest.mark.django_db
def test_a_description_at_the_limit_is_saved_whole_and_searchable(world):
    text = distinct_words(limits.TEXT_MAX_LENGTH, prefix="z")[: limits.TEXT_MAX_LENGTH].rsplit(" ", 1)[0]
    text += " " + "y" * (limits.TEXT_MAX_LENGTH - len(text) - 1)
    assert len(text) == limits.TEXT_MAX_LENGTH
    client = world.client("agent_a")
    response = client.post(API, {"title": "Long story", "description": text}, format="json")
    assert response.status_code == 201, response.content[:300]
    number = response.json()["number"]
    assert Incident.objects.get(number=number).description == text
    found = client.get(API, {"q": text.split(" ", 1)[0]}).json()["results"]
    assert [r["number"] for r in found] == [number]


# --- texts over their limit: API ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_800_kib_description_is_a_400_naming_the_field_and_nothing_is_created(world):
    before = snapshot()
    response = world.client("requester_a").post(API, {"title": "Big", "description": HUGE}, format="json")
    assert response.status_code == 400
    assert response.json() == {"description": ["Ensure this field has no more than 64000 characters."]}
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "limit"), [
    ("title", limits.TITLE_MAX_LENGTH), ("description", limits.TEXT_MAX_LENGTH),
    ("resolution_notes", limits.TEXT_MAX_LENGTH),
])
def test_an_edit_one_character_over_the_limit_is_refused_on_that_field(world, field, limit):
    incident = world.incidents["inc_a"]
    before = snapshot()
    response = world.client("agent_a").patch(f"{API}{incident.number}/", {field: "x" * (limit + 1)}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field] and str(limit) in response.json()[field][0]
    assert snapshot() == before
    response = world.client("agent_a").patch(f"{API}{incident.number}/", {field: "x" * limit}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert len(getattr(world.refresh("inc_a"), field)) == limit


@pytest.mark.django_db
def test_a_comment_over_the_limit_is_refused_and_one_at_the_limit_is_kept(world):
    url = f"{API}{world.incidents['inc_a'].number}/comments/"
    client = world.client("requester_a")
    before = snapshot()
    response = client.post(url, {"body": "x" * (limits.TEXT_MAX_LENGTH + 1)}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["body"]
    assert snapshot() == before
    response = client.post(url, {"body": "y" * limits.TEXT_MAX_LENGTH}, format="json")
    assert response.status_code == 201
    assert JournalEntry.objects.get(pk=response.json()["id"]).body == "y" * limits.TEXT_MAX_LENGTH


@pytest.mark.django_db
def test_a_transition_with_oversized_notes_or_comment_changes_nothing(world):
    incident = world.incidents["inc_a"]
    before = snapshot()
    cases = [({"resolution_notes": "n" * (limits.TEXT_MAX_LENGTH + 1)}, ["resolution_notes"]),
             ({"resolution_notes": "Fixed", "comment": "c" * (limits.TEXT_MAX_LENGTH + 1)}, ["comment"])]
    for extra, fields in cases:
        response = world.client("agent_a").post(f"{API}{incident.number}/transition/",
                                                {"state": "resolved", "resolution_code": "solved", **extra},
                                                format="json")
        assert response.status_code == 400 and list(response.json()) == fields
    assert snapshot() == before and world.refresh("inc_a").state == incident.state


@pytest.mark.django_db
def test_a_schedule_description_over_the_limit_is_refused(world):
    response = world.client("admin").post("/api/v1/sla/schedules/", {
        "name": "Weekend", "slug": "weekend", "time_zone": "UTC", "is_24x7": True,
        "description": "d" * (limits.TEXT_MAX_LENGTH + 1),
    }, format="json")
    assert response.status_code == 400 and list(response.json()) == ["description"]
    assert not Schedule.objects.filter(slug="weekend").exists()


@pytest.mark.django_db
def test_the_openapi_schema_states_the_limits(api_client):
    spec = api_client.get("/api/v1/schema/?format=json").json()
    schemas = spec["components"]["schemas"]
    write = schemas["PatchedIncidentWriteRequest"]["properties"]
    assert write["title"]["maxLength"] == limits.TITLE_MAX_LENGTH
    assert write["description"]["maxLength"] == limits.TEXT_MAX_LENGTH
    assert write["resolution_notes"]["maxLength"] == limits.TEXT_MAX_LENGTH
    assert schemas["CommentRequest"]["properties"]["body"]["maxLength"] == limits.TEXT_MAX_LENGTH
    assert schemas["ScheduleRequest"]["properties"]["description"]["maxLength"] == limits.TEXT_MAX_LENGTH


# --- texts over their limit: services called in code ----------------------------------------------------------


@pytest.mark.django_db
def test_the_services_refuse_oversized_texts_whoever_calls_them(world, users, service_email):
    incident = world.incidents["inc_a"]
    before = snapshot()
    cases = [
        ("description", lambda: services.create_incident(users["agent_a"], {
            "title": "From a script", "description": HUGE, "service": service_email})),
        ("title", lambda: services.create_incident(users["agent_a"], {"title": "t" * 201})),
        ("description", lambda: services.update_incident(incident, users["agent_a"], {"description": HUGE})),
        ("resolution_notes", lambda: services.transition(incident, users["agent_a"], "resolved",
                                                         resolution_code="solved", resolution_notes=HUGE)),
        ("comment", lambda: services.transition(incident, users["agent_a"], "in_progress", comment=HUGE)),
        ("body", lambda: services.add_comment(incident, users["requester_a"], HUGE)),
        ("body", lambda: core_services.add_comment(incident, users["agent_a"], "a\x00b", internal=True)),
    ]
    for field, call in cases:
        with pytest.raises(ValidationError) as caught:
            call()
        assert list(caught.value.message_dict) == [field], field
    assert snapshot() == before


@pytest.mark.django_db
def test_the_model_validators_refuse_long_texts_in_full_clean(world):
    incident = world.refresh("inc_a")
    incident.description = "x" * (limits.TEXT_MAX_LENGTH + 1)
    incident.resolution_notes = "x" * (limits.TEXT_MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as caught:
        incident.full_clean()
    assert {"description", "resolution_notes"} <= set(caught.value.message_dict)


# --- texts over their limit: pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_reporting_an_800_kib_description_is_a_form_error_that_keeps_the_text(ui_world, service_email):
    before = snapshot()
    response = ui_world.client("requester_a").post(reverse("portal-report"), {
        "title": "Printer on fire", "description": HUGE, "urgency": "1", "service": service_email.pk})
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "Ensure this value has at most 64000 characters" in html
    assert HUGE[-2000:] in html and "Printer on fire" in html  # nothing typed is lost
    assert snapshot() == before


@pytest.mark.django_db
def test_an_agent_edit_over_the_limit_is_a_form_error_and_changes_nothing(ui_world):
    incident = ui_world.refresh("inc_a")
    shown = {"title": incident.title, "description": incident.description, "service": incident.service_id,
             "impact": incident.impact, "urgency": incident.urgency, "team": incident.team_id or "",
             "assignee": "", "channel": incident.channel, "category": "", "subcategory": "", "parent": ""}
    data = {"version": incident.version, **shown, **{f"initial-{k}": v for k, v in shown.items()},
            "description": HUGE, "title": "New title"}
    before = snapshot()
    response = ui_world.client("agent_a").post(reverse("agent-incident", args=[incident.number]), data)
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "Ensure this value has at most 64000 characters" in html and HUGE[-500:] in html
    assert snapshot() == before


@pytest.mark.django_db
def test_an_agent_comment_over_the_limit_is_a_form_error(ui_world):
    before = snapshot()
    response = ui_world.client("agent_a").post(
        reverse("agent-incident-comment", args=[ui_world.number("inc_a")]),
        {"body": "w" * (limits.TEXT_MAX_LENGTH + 1), "visibility": "internal"})
    assert response.status_code in (200, 400)
    assert "Ensure this value has at most 64000 characters" in response.content.decode()
    assert snapshot() == before


# --- files ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_api_upload_over_the_file_limit_names_the_limit(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    url = f"{API}{world.incidents['inc_a'].number}/attachments/"
    before = snapshot()
    response = world.client("agent_a").post(url, {"file": upload("dump.bin", b"x" * (3 * 1024 * 1024))},
                                            format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["“dump.bin” is 3 MB; attachments may be at most 2 MB each."]}
    assert snapshot() == before


@pytest.mark.django_db
def test_files_over_the_total_limit_are_a_form_error_and_nothing_is_saved(ui_world, service_email, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.ATTACHMENTS_MAX_TOTAL_BYTES = 2048
    files = [views_support.upload(f"part{i}.log", b"x" * 1000) for i in range(3)]
    before = snapshot()
    response = ui_world.client("requester_a").post(reverse("portal-report"), {
        "title": "Logs", "description": "Three logs.", "urgency": "3", "service": service_email.pk,
        "attachments": files})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The files come to 2.93 KB together; at most 2 KB can be attached at once." in html
    assert snapshot() == before
    page = ui_world.client("requester_a").get(reverse("portal-report")).content.decode()
    assert "at most 1 KB each and 2 KB together" in page  # the limits are said up front


# --- the size of the request: refused from its Content-Length, before the body is read ---------------------


class UnreadableBody(io.RawIOBase):
    """A wsgi.input that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the request body was read")

    readline = readinto = read


def call_wsgi(path: str, content_type: str, content_length: int) -> tuple[str, dict[str, str], bytes]:
    """POST through Django's WSGI handler with a body that must never be read."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(content_length),
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": UnreadableBody(), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    # as Django's test client does: a connection another test left open must not be checked (that is a query)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def test_an_oversized_upload_is_refused_with_413_before_its_body_is_read():
    status, headers, body = call_wsgi("/api/v1/incidents/INC0001001/attachments/",
                                      "multipart/form-data; boundary=xyz", 100 * 1024 * 1024)
    assert status.startswith("413") and headers["Content-Type"] == "application/json"
    assert body.decode() == ('{"detail": "The request is too large (100 MB): files may be at most 10 MB each and '
                             '25 MB together."}')


def test_an_oversized_json_body_is_refused_with_413_before_it_is_read():
    status, _headers, body = call_wsgi("/api/v1/incidents/", "application/json", 6 * 1024 * 1024)
    assert status.startswith("413")
    assert body.decode() == '{"detail": "The request is too large (6 MB): at most 5 MB is accepted."}'


def test_an_oversized_form_post_gets_a_page_saying_why():
    status, headers, body = call_wsgi("/portal/incidents/new/", "multipart/form-data; boundary=xyz",
                                      40 * 1024 * 1024)
    html = body.decode()
    assert status.startswith("413") and headers["Content-Type"].startswith("text/html")
    assert "files may be at most 10 MB each and 25 MB together" in html
    assert "Nothing was saved. Go back: what you entered is still in the form." in html


def test_a_body_within_the_limits_passes_the_size_check():
    """Exactly at the maximum: the request reaches the API (which answers 401 to a client without credentials)."""
    status, _headers, body = call_wsgi("/api/v1/incidents/", "application/json", limits.body_max_bytes())
    assert status.startswith("401"), body


@pytest.mark.django_db(transaction=True)
def test_a_real_server_answers_413_before_the_client_sends_the_body(live_server):
    """Over a socket: the headers announce 200 MB, no byte of it is sent, and the answer arrives at once."""
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/incidents/INC0001001/attachments/ HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            + f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, "the server closed the connection without answering"
            head += chunk
    assert head.startswith(b"HTTP/1.1 413")
