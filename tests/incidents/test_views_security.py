"""Hostile input on the incident pages, attachment downloads, CSRF, and the Content-Security-Policy rules."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from core import services as core_services
from incidents import services
from tests.incidents import views_support
from tests.incidents.views_support import upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
]


@pytest.fixture
def hostile(ui_world, make_incident, service_email):
    """An incident whose title, description, comments, work notes and file names are all attacks."""
    requester, agent = ui_world.users["requester_a"], ui_world.users["agent_a"]
    incident = make_incident(requester, title=" ".join(HOSTILE[:2]), description="\n".join(HOSTILE))
    services.add_comment(incident, requester, HOSTILE[0])
    services.add_comment(incident, agent, HOSTILE[1])
    services.add_comment(incident, agent, HOSTILE[2], internal=True)
    core_services.add_attachment(incident, requester, upload(f"{HOSTILE[1]}.txt"))
    core_services.add_watcher(incident, ui_world.users["colleague_a"], agent)
    services.update_incident(incident, agent, {"title": f"{HOSTILE[0]} {HOSTILE[3]}"})  # journaled old and new
    return incident


def assert_inert(html: str) -> None:
    """No payload survives as markup: every real tag of the page is harmless, and the text is there escaped."""
    for payload in HOSTILE[:3]:
        assert payload not in html
    for tag in re.findall(r"<[a-zA-Z][^>]*>", html):
        bare = re.sub(r'"[^"]*"', '""', tag)  # attribute values removed: an escaped value cannot break out
        assert not re.search(r"\s(on[a-z]+|style)\s*=", bare), tag
        assert "alert(" not in bare, tag
        assert not re.search(r"(href|src|action)=\"\s*javascript:", tag, re.I), tag
        if tag.startswith("<script"):
            assert "src=" in tag, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "javascript:alert(1)" in html


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("requester_a", "portal-incident"),
        ("requester_a", "portal-incidents"),
        ("requester_a", "portal-home"),
        ("agent_a", "agent-incident"),
        ("agent_a", "agent-incidents"),
        ("manager", "agent-incidents"),
    ],
)
def test_hostile_text_renders_inert(ui_world, hostile, role, page):
    args = [hostile.number] if page.endswith("-incident") else []
    query = "?queue=recent" if page == "agent-incidents" else ""
    response = ui_world.client(role).get(reverse(page, args=args) + query)
    assert response.status_code == 200
    html = response.content.decode()
    if page in ("portal-incident", "agent-incident"):
        assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the comment, escaped
    assert_inert(html)


def test_hostile_filter_values_are_echoed_escaped(ui_world):
    response = ui_world.client("agent_a").get(reverse("agent-incidents"), {"q": HOSTILE[2]})
    html = response.content.decode()
    assert response.status_code == 200 and HOSTILE[2] not in html and "&quot;&gt;&lt;svg onload" in html


# --- Attachment downloads -------------------------------------------------------------------------------


@pytest.fixture
def files(ui_world):
    incident, agent, requester = ui_world.incidents["inc_a"], ui_world.users["agent_a"], ui_world.users["requester_a"]
    return {
        "html": core_services.add_attachment(incident, requester, upload("page.html", b"<script>alert(1)</script>",
                                                                         "text/html")),
        "svg": core_services.add_attachment(incident, requester, upload("logo.svg", b"<svg onload=alert(1)/>",
                                                                        "image/svg+xml")),
        "png": core_services.add_attachment(incident, requester, upload("shot.png", b"\x89PNG\r\n", "text/html")),
        "txt": core_services.add_attachment(incident, requester, upload("résumé notes.txt", b"hello")),
        "noext": core_services.add_attachment(incident, requester, upload("README", b"x", "text/html")),
        "internal": core_services.add_attachment(incident, agent, upload("notes.txt"), internal=True),
        "other_org": core_services.add_attachment(ui_world.incidents["inc_b"], ui_world.users["requester_b"],
                                                  upload("b.txt")),
    }


def download(client, attachment):
    return client.get(reverse("attachment-download", args=[attachment.pk]))


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("html", "application/octet-stream"),
        ("svg", "application/octet-stream"),
        ("noext", "application/octet-stream"),
        ("png", "image/png"),  # from the extension, never from what the uploader's browser claimed
        ("txt", "text/plain; charset=utf-8"),
    ],
)
def test_downloads_are_attachments_with_a_safe_type(ui_world, files, key, content_type):
    response = download(ui_world.client("requester_a"), files[key])
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == files[key].file.open("rb").read()


def test_file_names_are_encoded_per_rfc_6266(ui_world, files):
    response = download(ui_world.client("requester_a"), files["txt"])
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20notes.txt"
    )


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("requester_a", "internal", 404),
        ("colleague_a", "html", 200),  # organization sharing
        ("requester_b", "html", 404),
        ("requester_a", "other_org", 404),
        ("agent_a", "internal", 200),
        ("agent_b", "html", 404),
        ("agent_b", "other_org", 200),
        ("manager", "internal", 200),
    ],
)
def test_downloads_follow_the_access_rule(ui_world, files, role, key, status):
    assert download(ui_world.client(role), files[key]).status_code == status


def test_anonymous_downloads_go_to_sign_in_and_unknown_ids_are_404(ui_world, files):
    response = download(ui_world.client("anonymous"), files["txt"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert ui_world.client("manager").get(reverse("attachment-download", args=[999999])).status_code == 404


def test_a_missing_file_is_404_not_500(ui_world, files):
    files["txt"].file.storage.delete(files["txt"].file.name)
    assert download(ui_world.client("requester_a"), files["txt"]).status_code == 404


# --- CSRF and CSP ---------------------------------------------------------------------------------------


def test_csrf_is_enforced_on_every_form_post(ui_world, service_email):
    number = ui_world.number("inc_a")
    posts = {
        reverse("portal-report"): ("requester_a", {"title": "x", "description": "y", "urgency": 3,
                                                  "service": service_email.pk}),
        reverse("portal-incident-reply", args=[number]): ("requester_a", {"body": "hi"}),
        reverse("portal-incident-state", args=[number]): ("requester_a", {"state": "cancelled"}),
        reverse("agent-incident", args=[number]): ("agent_a", {"title": "x"}),
        reverse("agent-incident-comment", args=[number]): ("agent_a", {"body": "hi", "visibility": "public"}),
        reverse("agent-incident-take", args=[number]): ("agent_a", {}),
        reverse("agent-incidents-bulk"): ("agent_a", {"action": "assign", "numbers": [number]}),
    }
    for path, (role, data) in posts.items():
        client = Client(enforce_csrf_checks=True)
        client.force_login(ui_world.users[role])
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "This form has expired" in response.content.decode()
    fresh = ui_world.refresh("inc_a")
    assert fresh.state == "new" and fresh.assignee is None and fresh.journal.filter(kind="comment").count() == 0


@pytest.mark.parametrize(
    ("role", "page", "needs_number"),
    [
        ("requester_a", "portal-report", False),
        ("requester_a", "portal-incidents", False),
        ("requester_a", "portal-incident", True),
        ("agent_a", "agent-incidents", False),
        ("agent_a", "agent-incident", True),
        ("agent_a", "agent-home", False),
    ],
)
def test_pages_have_no_inline_scripts_handlers_or_styles(ui_world, role, page, needs_number):
    args = [ui_world.number("inc_a")] if needs_number else []
    html = ui_world.client(role).get(reverse(page, args=args)).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"<[^>]+\sstyle=", html), "inline style attribute"
