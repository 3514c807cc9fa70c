"""The import page: upload, preview (labels, problems by line and column), confirm; the kept file is the
uploader's only; who may use it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cmdb.models import CIChange, ConfigurationItem

pytestmark = pytest.mark.django_db

URL = "/agent/cmdb/import/"
GOOD = "name;class;environment;attr:cpus\nweb01;Server;Production;8\nweb02;Server;staging;2\n"


def upload(client, text, name="cis.csv"):
    return client.post(URL, {"step": "preview", "file": SimpleUploadedFile(name, text.encode("utf-8-sig"),
                                                                             content_type="text/csv")})


def token_of(response):
    return response.context["token"]


def test_upload_preview_confirm(server_class, client, agent_a):
    client.force_login(agent_a)
    page = client.get(URL)
    assert page.status_code == 200 and "attr:cpus" in page.content.decode()
    preview = upload(client, GOOD)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "To create" in html and "web02" in html and "None" not in html
    assert ConfigurationItem.objects.count() == 0
    done = client.post(URL, {"step": "confirm", "token": token_of(preview)})
    assert done.status_code == 200
    assert "2 created, 0 updated, 0 unchanged" in done.content.decode()
    assert ConfigurationItem.objects.count() == 2
    # the token is spent
    assert client.post(URL, {"step": "confirm", "token": token_of(preview)}).status_code == 400
    again = upload(client, GOOD)
    assert again.context["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert "nothing to import" in again.content.decode()


def test_problems_are_shown_and_nothing_imported_unless_the_valid_rows_are_chosen(server_class, client, agent_a):
    client.force_login(agent_a)
    preview = upload(client, GOOD + "web03;Server;Mars;1\n")
    html = preview.content.decode()
    assert "line 4, environment: Choose one of Production, Staging, Test, Development." in html
    assert "Import the valid rows (2)" in html
    refused = client.post(URL, {"step": "confirm", "token": token_of(preview)})
    assert refused.status_code == 400 and ConfigurationItem.objects.count() == 0
    done = client.post(URL, {"step": "confirm", "token": token_of(preview), "valid_only": "on"})
    assert done.status_code == 200 and ConfigurationItem.objects.count() == 2
    assert CIChange.objects.filter(field="created").count() == 2


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
