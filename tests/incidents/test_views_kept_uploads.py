"""Files chosen in a form that comes back with an error are kept (core.kept_uploads): never silently dropped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from core import kept_uploads
from core.models import Attachment
from incidents.models import Incident
from tests.incidents import views_support
from tests.incidents.views_support import upload

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
KEPT_RE = re.compile(r'<input class="form-check-input" type="checkbox" name="attachments-kept" value="([^"]+)"')


def report_data(service, **overrides):
    data = {"title": "Printer on fire", "description": "Smoke everywhere.", "urgency": "1", "service": service.pk}
    data.update(overrides)
    return data


def kept_files():
    try:
        directories, _ = default_storage.listdir(kept_uploads.KEPT_DIR)
    except FileNotFoundError:
        return []
    return [name for d in directories for name in default_storage.listdir(f"{kept_uploads.KEPT_DIR}/{d}")[1]]


def test_a_report_with_an_error_keeps_the_files_and_the_next_submit_attaches_them(
    ui_world, service_email, django_capture_on_commit_callbacks
):
    client = ui_world.client("requester_a")
    files = [upload("error.txt", b"boom"), upload("screen.png", b"\x89PNG....", "image/png")]
    response = client.post(reverse("portal-report"), {**report_data(service_email, title=""), "attachments": files})
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required" in html
    assert "error.txt" in html and "screen.png" in html and "kept)" in html
    tokens = KEPT_RE.findall(html)
    assert len(tokens) == 2 and sorted(kept_files()) == ["error.txt", "screen.png"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal-report"), {**report_data(service_email), "attachments-kept": tokens})
    incident = Incident.objects.get(title="Printer on fire")
    assert response.status_code == 302
    assert sorted(incident.attachments.values_list("filename", flat=True)) == ["error.txt", "screen.png"]
    assert incident.attachments.get(filename="error.txt").file.read() == b"boom"
    assert kept_files() == []  # used up


def test_unticking_a_kept_file_leaves_it_out_and_new_files_join_the_kept_ones(ui_world, service_email):
    client = ui_world.client("requester_a")
    files = [upload("keep.txt", b"1"), upload("drop.txt", b"2")]
    html = client.post(reverse("portal-report"),
                       {**report_data(service_email, title=""), "attachments": files}).content.decode()
    tokens = dict(zip(re.findall(r'<label class="form-check-label" for="attachments-kept-\d">(\S+) ', html),
                      KEPT_RE.findall(html), strict=True))
    client.post(reverse("portal-report"), {**report_data(service_email), "attachments-kept": [tokens["keep.txt"]],
                                           "attachments": [upload("new.txt", b"3")]})
    incident = Incident.objects.get(title="Printer on fire")
    assert sorted(incident.attachments.values_list("filename", flat=True)) == ["keep.txt", "new.txt"]


def test_a_refused_file_is_named_and_the_others_are_kept(ui_world, service_email, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    files = [upload("huge.log", b"x" * 4096), upload("small.txt", b"ok")]
    html = ui_world.client("requester_a").post(
        reverse("portal-report"), {**report_data(service_email), "attachments": files}).content.decode()
    assert "“huge.log” is 4 KB; attachments may be at most 1 KB each." in html
    assert "choose a file that fits instead" in html
    assert "small.txt" in html and len(KEPT_RE.findall(html)) == 1
    assert kept_files() == ["small.txt"] and Attachment.objects.count() == 0


def test_a_forged_or_expired_token_is_a_clear_error(ui_world, service_email):
    client = ui_world.client("requester_a")
    response = client.post(reverse("portal-report"),
                           {**report_data(service_email), "attachments-kept": ["../../etc/passwd"]})
    assert response.status_code == 400
    assert "no longer available: choose it again" in response.content.decode()
    assert not Incident.objects.filter(title="Printer on fire").exists()


def test_a_portal_reply_with_an_error_keeps_its_file(ui_world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = ui_world.client("requester_a")
    url = reverse("portal-incident-reply", args=[ui_world.number("inc_a")])
    html = client.post(url, {"body": "See logs", "attachments": [upload("big.log", b"x" * 2048),
                                                                  upload("app.log", b"fine")]}).content.decode()
    tokens = KEPT_RE.findall(html)
    assert "app.log" in html and len(tokens) == 1
    assert client.post(url, {"body": "See logs", "attachments-kept": tokens}).status_code == 302
    assert ui_world.refresh("inc_a").attachments.get().filename == "app.log"


def test_an_agent_comment_with_an_error_keeps_its_file(ui_world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = ui_world.client("agent_a")
    url = reverse("agent-incident-comment", args=[ui_world.number("inc_a")])
    html = client.post(url, {"body": "Trace", "visibility": "internal",
                             "attachments": [upload("big.bin", b"x" * 2048), upload("trace.txt", b"t")]},
                       HTTP_HX_REQUEST="true").content.decode()
    tokens = KEPT_RE.findall(html)
    assert "trace.txt" in html and len(tokens) == 1
    client.post(url, {"body": "Trace", "visibility": "internal", "attachments-kept": tokens})
    assert ui_world.refresh("inc_a").attachments.get().filename == "trace.txt"


def test_stale_kept_files_are_purged(ui_world):
    token = kept_uploads.keep(upload("old.txt", b"old"))
    assert kept_files() == ["old.txt"]
    assert kept_uploads.purge_stale(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert kept_uploads.purge_stale(datetime.now(UTC) + kept_uploads.MAX_AGE + timedelta(minutes=1)) == 1
    assert kept_files() == [] and isinstance(kept_uploads.restore(token), kept_uploads.LostUpload)
