"""The import page: upload, preview (labels, problems by line and column), confirm; the kept file is the
uploader's only; a worker applies the confirmed file and the job's page shows its progress and outcome; who may
use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cmdb import import_jobs, imports
from cmdb.models import CIChange, CIImport, ConfigurationItem

pytestmark = pytest.mark.django_db

URL = "/agent/cmdb/import/"
GOOD = "name;class;environment;attr:cpus\nweb01;Server;Production;8\nweb02;Server;staging;2\n"


def upload(client, text, name="cis.csv"):
    return client.post(URL, {"step": "preview", "file": SimpleUploadedFile(name, text.encode("utf-8-sig"),
                                                                             content_type="text/csv")})


def token_of(response):
    return response.context["token"]


@pytest.fixture
def eager():
    from itsm.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def confirm(client, django_capture_on_commit_callbacks, token, **extra):
    """Confirm a preview; the worker's task runs (eagerly) once the job commits. The redirect to the job's page."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"step": "confirm", "token": token, **extra})
    return response


def test_upload_preview_confirm(server_class, client, agent_a, eager, django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    page = client.get(URL)
    assert page.status_code == 200 and "attr:cpus" in page.content.decode()
    preview = upload(client, GOOD)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "To create" in html and "web02" in html and "None" not in html
    assert ConfigurationItem.objects.count() == 0
    done = confirm(client, django_capture_on_commit_callbacks, token_of(preview))
    job = CIImport.objects.get()
    assert done.status_code == 302 and done.url == f"/agent/cmdb/import/{job.pk}/"
    result = client.get(done.url)
    text = result.content.decode()
    assert "Done" in text and "2 created, 0 updated, 0 unchanged" in text and "web02" in text
    assert ConfigurationItem.objects.count() == 2
    job.refresh_from_db()
    assert (job.state, job.text, job.total, job.created_by) == ("done", "", 2, agent_a)
    assert "Your recent imports" in client.get(URL).content.decode()
    # the token is spent
    assert client.post(URL, {"step": "confirm", "token": token_of(preview)}).status_code == 400
    again = upload(client, GOOD)
    assert again.context["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert "nothing to import" in again.content.decode()


def test_the_job_page_shows_progress_until_a_worker_is_done(server_class, client, agent_a,
                                                            django_capture_on_commit_callbacks, monkeypatch):
    """No worker yet: the page says it waits and asks again (htmx); once the task ran, htmx is told to reload."""
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    client.force_login(agent_a)
    with django_capture_on_commit_callbacks(execute=False):  # published later, by hand: a slow worker
        response = client.post(URL, {"step": "confirm", "token": token_of(upload(client, GOOD))})
    job = CIImport.objects.get()
    waiting = client.get(response.url)
    assert "Waiting for a worker" in waiting.content.decode() and 'hx-trigger="every 2s"' in waiting.content.decode()
    seen: list[int] = []
    monkeypatch.setattr(import_jobs, "report", lambda job_id, walked: (seen.append(walked),
                                                                     cache.set(f"{import_jobs.PROGRESS_PREFIX}{job_id}",
                                                                               walked)))
    assert import_jobs.run(job.pk) == "done"
    assert seen == [1, 2] and import_jobs.run(job.pk) is None  # a second delivery does nothing
    over = client.get(response.url, headers={"HX-Request": "true"})
    assert over["HX-Refresh"] == "true"
    assert ConfigurationItem.objects.count() == 2


def test_the_progress_is_read_from_the_cache_while_the_worker_writes(server_class, client, agent_a,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(URL, {"step": "confirm", "token": token_of(upload(client, GOOD))})
    job = CIImport.objects.get()
    CIImport.objects.filter(pk=job.pk).update(state="running")
    import_jobs.report(job.pk, 1)
    part = client.get(response.url, headers={"HX-Request": "true"})
    assert "Writing 1 of 2 rows" in part.content.decode() and "HX-Refresh" not in part
    assert 'value="1" max="2"' in part.content.decode()


def test_problems_are_shown_and_nothing_imported_unless_the_valid_rows_are_chosen(
        server_class, client, agent_a, eager, django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    preview = upload(client, GOOD + "web03;Server;Mars;1\n")
    html = preview.content.decode()
    assert "line 4, environment: Choose one of Production, Staging, Test, Development." in html
    assert "Import the valid rows (2)" in html
    refused = client.get(confirm(client, django_capture_on_commit_callbacks, token_of(preview)).url)
    text = refused.content.decode()
    assert "Refused" in text and "nothing was imported" in text and ConfigurationItem.objects.count() == 0
    assert "line 4, environment: Choose one of" in text and "Import the valid rows (2)" in text
    # from the refused job's page, the valid rows only: a new job
    first = CIImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/agent/cmdb/import/{first.pk}/")
    second = CIImport.objects.exclude(pk=first.pk).get()
    assert retried.url == f"/agent/cmdb/import/{second.pk}/" and second.valid_only and second.state == "done"
    assert ConfigurationItem.objects.count() == 2
    assert CIChange.objects.filter(field="created").count() == 2
    first.refresh_from_db()
    assert first.text == ""  # given up to the retry: a second click queues nothing more
    assert client.post(f"/agent/cmdb/import/{first.pk}/").url == f"/agent/cmdb/import/{first.pk}/"
    assert CIImport.objects.count() == 2


def test_the_valid_rows_chosen_on_the_preview(server_class, client, agent_a, eager,
                                              django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    preview = upload(client, GOOD + "web03;Server;Mars;1\n")
    done = client.get(confirm(client, django_capture_on_commit_callbacks, token_of(preview), valid_only="on").url)
    assert "2 created, 0 updated, 0 unchanged, 1 refused and left out" in done.content.decode()
    assert ConfigurationItem.objects.count() == 2


def test_a_job_is_its_authors_only(server_class, client, agent_a, agent_b, manager, eager,
                                   django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    url = confirm(client, django_capture_on_commit_callbacks, token_of(upload(client, GOOD))).url
    for other in (agent_b, manager):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


def test_a_worker_that_never_came_is_said_after_an_hour(server_class, client, agent_a,
                                                        django_capture_on_commit_callbacks):
    client.force_login(agent_a)
    with django_capture_on_commit_callbacks(execute=False):
        url = client.post(URL, {"step": "confirm", "token": token_of(upload(client, GOOD))}).url
    CIImport.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert "its worker probably stopped" in client.get(url).content.decode()


@pytest.mark.parametrize(("content", "message"), [
    (b"name,class\n\xff\xfe,Server\n", "not UTF-8"),
    (b"name,colour\nx,red\n", "Unknown column colour"),
    (b"", "The submitted file is empty."),
])
def test_a_bad_file_is_a_form_error(server_class, client, agent_a, content, message):
    client.force_login(agent_a)
    response = client.post(URL, {"step": "preview", "file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_users_token_finds_nothing(server_class, client, agent_a, agent_b):
    client.force_login(agent_a)
    token = token_of(upload(client, GOOD))
    client.force_login(agent_b)
    response = client.post(URL, {"step": "confirm", "token": token})
    assert response.status_code == 400 and "expired or is not yours" in response.content.decode()
    assert ConfigurationItem.objects.count() == 0


def test_who_may_import(client, requester_a):
    assert client.get(URL).status_code == 302
    client.force_login(requester_a)
    assert client.get(URL).status_code == 403
