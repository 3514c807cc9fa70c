"""Files of knowledge articles: the desk attaches them (the article page's composer, the drafts API) and they stay
internal; an article shows an image with ![...](attachment:name) and links a file with [...](attachment:name); the
desk's preview shows them from the core download view; readers get a version's files (the ones its body refers
to) from /portal/knowledge/<number>/files/<id>/ only while that version is published and they read the article:
never a draft's new file, never a file no published body uses, never a retired article's. Images show inline,
anything else downloads; the rewrite never yields a URL outside those files."""

from __future__ import annotations

import re
import struct
import zlib
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import services as core_services
from core import writes
from core.models import Attachment, JournalEntry
from knowledge import services
from knowledge.choices import ArticleState, Audience
from knowledge.files import ArticleFiles
from knowledge.kind import ARTICLE
from knowledge.markdown import render
from knowledge.models import Article
from tests.knowledge.test_articles import review

pytestmark = pytest.mark.django_db


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG image (opaque red), so a browser and a signature check both take it for one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png() if content is None else content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # attachments never land in the repository


@pytest.fixture
def article(kb, agent_a):
    return writes.create(ARTICLE, agent_a, {
        "title": "Connect to the VPN from home", "description": "Step by step.",
        "body": "![Network diagram](attachment:diagram.png)\n\nFill in [the form](attachment:form.pdf).",
        "keywords": "vpn", "audience": Audience.PUBLIC, "knowledge_base": kb})


def attach(article, agent, name: str, content: bytes | None = None) -> Attachment:
    return core_services.add_attachment(article, agent, upload(name, content))


def edit(article, agent, body: str) -> Article:
    """A new draft of a published article with `body`."""
    current = Article.objects.get(pk=article.pk)
    if current.state == ArticleState.PUBLISHED:
        writes.transition(ARTICLE, current, agent, ArticleState.DRAFT)
        current = Article.objects.get(pk=article.pk)
    writes.update(ARTICLE, current, agent, {"body": body})
    return Article.objects.get(pk=article.pk)


def file_url(article, attachment) -> str:
    return reverse("portal-article-file", args=[article.number, attachment.pk])


def content(response) -> bytes:
    return b"".join(response.streaming_content)


class Urls(HTMLParser):
    """Every URL and attribute the HTML carries."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.attributes: set[str] = set()
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.add(name)
            if name in ("href", "src"):
                self.urls.append(value or "")
                if tag == "img":
                    self.images.append(value or "")


def parsed(html: str) -> Urls:
    urls = Urls()
    urls.feed(html)
    return urls


# --- the desk attaches files: always internal -------------------------------------------------------------


def test_files_attached_through_the_page_and_the_api_stay_with_the_desk(client, article, agent_a, token_client,
                                                                        requester_a, agent_b):
    client.force_login(agent_a)
    posted = client.post(reverse("agent-article-comment", args=[article.number]),
                         {"body": "The diagram for the article.", "attachments": [upload("diagram.png")]})
    assert posted.status_code in (200, 302)
    desk = token_client(agent_a)
    url = f"/api/v1/knowledge/drafts/{article.number}/"
    sent = desk.post(f"{url}attachments/", {"file": upload("form.pdf", b"%PDF-1.4 form"), "internal": False},
                     format="multipart")
    assert sent.status_code == 201, sent.content
    assert sent.json()["internal"] is True  # asked public, kept in the desk
    said = desk.post(f"{url}comments/", {"body": "Public?", "internal": False}, format="json")
    assert said.status_code == 201 and said.json()["internal"] is True and said.json()["kind"] == "work_note"
    assert set(Attachment.objects.filter(ticket_id=article.pk).values_list("filename", "internal")) == {
        ("diagram.png", True), ("form.pdf", True)}
    assert not JournalEntry.objects.filter(ticket_id=article.pk, internal=False, kind="comment").exists()

    review(article, agent_b)  # published, public: end users see the article now...
    reader = token_client(requester_a)
    assert reader.get(f"{url}attachments/").json()["results"] == []  # ...but not its files on the desk's side
    assert reader.get(f"{url}comments/").json()["results"] == []
    for attachment in Attachment.objects.filter(ticket_id=article.pk):
        assert reader.get(reverse("attachment-download", args=[attachment.pk])).status_code == 404
        client.force_login(requester_a)
        assert client.get(reverse("attachment-download", args=[attachment.pk])).status_code == 404


def test_an_article_file_made_public_before_this_change_still_never_reaches_end_users(client, article, agent_a,
                                                                                       agent_b, requester_a):
    legacy = attach(article, agent_a, "diagram.png")
    Attachment.objects.filter(pk=legacy.pk).update(internal=False)  # written before articles forced internal
    review(article, agent_b)
    client.force_login(requester_a)
    assert client.get(reverse("attachment-download", args=[legacy.pk])).status_code == 404
    assert client.get(file_url(article, legacy)).status_code == 200  # the reader's way: the published version


# --- inline images and links ------------------------------------------------------------------------------


def test_the_desk_preview_shows_the_image_inline_and_links_the_file(client, article, agent_a):
    diagram = attach(article, agent_a, "diagram.png")
    form = attach(article, agent_a, "form.pdf", b"%PDF-1.4 form")
    edit(article, agent_a, article.body + "\n\nSee also ![the old one](attachment:gone.png).")
    client.force_login(agent_a)
    page = client.get(reverse("agent-article", args=[article.number])).content.decode()
    preview = page.split('data-testid="article-preview"', 1)[1].split("</section>", 1)[0]
    found = parsed(preview)
    assert found.images == [reverse("attachment-download", args=[diagram.pk])]
    assert reverse("attachment-download", args=[form.pk]) in found.urls
    assert "no file “gone.png” on this article" in preview  # the author sees the broken reference
    assert "attachment:" not in re.sub(r"<[^>]*>", "", preview).replace("“gone.png”", "")
    assert "![Description](attachment:file-name.png)" in page  # the files panel says how to use a file
    image = client.get(reverse("attachment-download", args=[diagram.pk]))
    assert image.status_code == 200 and content(image) == png()


def test_a_reference_by_id_and_the_newest_file_of_a_name(article, agent_a):
    first = attach(article, agent_a, "diagram.png")
    newer = attach(article, agent_a, "diagram.png")
    files = ArticleFiles(Attachment.objects.filter(ticket_id=article.pk), lambda a: f"/f/{a.pk}/")
    html = render(f"![new](attachment:diagram.png) ![old](attachment:{first.pk}) ![case](attachment:DIAGRAM.PNG)",
                  files)
    assert parsed(html).images == [f"/f/{newer.pk}/", f"/f/{first.pk}/", f"/f/{newer.pk}/"]


def test_readers_get_the_published_versions_images_inline_and_its_files(client, article, agent_a, agent_b,
                                                                        requester_a):
    diagram = attach(article, agent_a, "diagram.png")
    form = attach(article, agent_a, "form.pdf", b"%PDF-1.4 form")
    notes = attach(article, agent_a, "customer-logs.txt", b"secret customer data")  # the body never uses it
    published = review(article, agent_b)
    assert set(published.published_version.files.all()) == {diagram, form}

    client.force_login(requester_a)
    page = client.get(reverse("portal-article", args=[article.number])).content.decode()
    body = page.split('data-testid="kb-article-body"', 1)[1].split("</div>", 1)[0]
    assert parsed(body).images == [file_url(article, diagram)]
    assert file_url(article, form) in parsed(body).urls
    listed = page.split('data-testid="kb-files"', 1)[1].split("</section>", 1)[0]
    assert "diagram.png" in listed and "form.pdf" in listed and "customer-logs.txt" not in listed
    assert "13\xa0bytes" in listed  # the form's size

    image = client.get(file_url(article, diagram))
    assert image.status_code == 200 and content(image) == png()
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("inline")
    assert image["X-Content-Type-Options"] == "nosniff"
    download = client.get(file_url(article, form))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert client.get(file_url(article, notes)).status_code == 404  # on the article, in no published body


def test_a_drafts_new_file_is_404_for_end_users_while_the_previous_version_is_published(
        client, article, agent_a, agent_b, requester_a, token_client):
    diagram = attach(article, agent_a, "diagram.png")
    review(article, agent_b)
    edit(article, agent_a, "![New diagram](attachment:diagram-2024.png)")
    draft_file = attach(article, agent_a, "diagram-2024.png")

    client.force_login(requester_a)
    assert client.get(file_url(article, draft_file)).status_code == 404  # the portal's file view
    assert client.get(reverse("attachment-download", args=[draft_file.pk])).status_code == 404  # the core view
    reader = token_client(requester_a)
    assert reader.get(file_url(article, draft_file)).status_code == 404  # with the API's token
    detail = reader.get(f"/api/v1/knowledge/articles/{article.number}/").json()
    assert [f["name"] for f in detail["files"]] == ["diagram.png"]
    assert file_url(article, draft_file) not in detail["body_html"] and "diagram-2024" not in str(detail)
    assert client.get(file_url(article, diagram)).status_code == 200  # readers keep version 1's

    # the new version is published without the old diagram: it is no longer served, the new one is
    review(Article.objects.get(pk=article.pk), agent_b)
    assert client.get(file_url(article, diagram)).status_code == 404
    assert client.get(file_url(article, draft_file)).status_code == 200
    # a rollback brings version 1 back with its file
    services.roll_back(Article.objects.get(pk=article.pk), 1, agent_b)
    assert client.get(file_url(article, diagram)).status_code == 200
    assert client.get(file_url(article, draft_file)).status_code == 404


def test_a_retired_article_and_an_internal_article_serve_no_file_to_end_users(client, article, kb, agent_a,
                                                                               agent_b, requester_a):
    diagram = attach(article, agent_a, "diagram.png")
    review(article, agent_b)
    client.force_login(requester_a)
    assert client.get(file_url(article, diagram)).status_code == 200
    writes.transition(ARTICLE, Article.objects.get(pk=article.pk), agent_b, ArticleState.RETIRED)
    assert client.get(file_url(article, diagram)).status_code == 404

    internal = writes.create(ARTICLE, agent_a, {"title": "Firewall rules", "body": "![Rules](attachment:rules.png)",
                                                "knowledge_base": kb, "audience": Audience.INTERNAL})
    rules = attach(internal, agent_a, "rules.png")
    review(internal, agent_b)
    assert client.get(file_url(internal, rules)).status_code == 404
    assert client.get(reverse("attachment-download", args=[rules.pk])).status_code == 404
    client.force_login(agent_b)  # the desk reads internal articles in the portal too
    assert client.get(file_url(internal, rules)).status_code == 200
    assert client.get(file_url(article, rules)).status_code == 404  # another article's file under this number


def test_only_inert_images_show_inline(client, kb, agent_a, agent_b, requester_a):
    names = {"map.svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
             "page.png": b"<html><script>alert(1)</script></html>",  # not a PNG, whatever its name says
             "photo.gif": b"GIF89a" + b"\x00" * 20}
    body = "\n\n".join(f"![{name}](attachment:{name})" for name in names)
    article = writes.create(ARTICLE, agent_a, {"title": "Images", "body": body, "knowledge_base": kb,
                                               "audience": Audience.PUBLIC})
    saved = {name: attach(article, agent_a, name, data) for name, data in names.items()}
    review(article, agent_b)
    client.force_login(requester_a)
    html = client.get(reverse("portal-article", args=[article.number])).content.decode()
    body = html.split('data-testid="kb-article-body"', 1)[1].split("</div>", 1)[0]
    assert parsed(body).images == [file_url(article, saved["page.png"]), file_url(article, saved["photo.gif"])]
    svg = client.get(file_url(article, saved["map.svg"]))  # an SVG is a link, sent as an inert download
    assert svg["Content-Type"] == "application/octet-stream" and svg["Content-Disposition"].startswith("attachment")
    fake = client.get(file_url(article, saved["page.png"]))
    assert fake["Content-Disposition"].startswith("attachment") and fake["X-Content-Type-Options"] == "nosniff"
    gif = client.get(file_url(article, saved["photo.gif"]))
    assert gif["Content-Type"] == "image/gif" and gif["Content-Disposition"].startswith("inline")


def test_the_file_view_answers_bad_addresses_with_404_or_sign_in(client, article, agent_a, agent_b, requester_a,
                                                                 api_client):
    diagram = attach(article, agent_a, "diagram.png")
    review(article, agent_b)
    url = file_url(article, diagram)
    assert client.get(url).status_code == 302  # a browser without a session signs in
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.get(url).status_code == 401
    client.force_login(requester_a)
    for bad in (f"/portal/knowledge/{article.number}/files/{10**30}/",
                f"/portal/knowledge/KB9999999/files/{diagram.pk}/", f"/portal/knowledge/{article.number}/files/0/"):
        assert client.get(bad).status_code == 404, bad
    assert client.post(url).status_code == 405


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_lists_the_versions_files_with_urls_that_work_with_the_token(article, agent_a, agent_b,
                                                                              requester_a, token_client):
    diagram = attach(article, agent_a, "diagram.png")
    form = attach(article, agent_a, "form.pdf", b"%PDF-1.4 form")
    review(article, agent_b)
    reader = token_client(requester_a)
    detail = reader.get(f"/api/v1/knowledge/articles/{article.number}/").json()
    assert detail["files"] == [
        {"id": diagram.pk, "name": "diagram.png", "size": len(png()), "download_url": file_url(article, diagram)},
        {"id": form.pk, "name": "form.pdf", "size": 13, "download_url": file_url(article, form)}]
    assert parsed(detail["body_html"]).images == [file_url(article, diagram)]
    assert content(reader.get(detail["files"][1]["download_url"])) == b"%PDF-1.4 form"
    listed = reader.get("/api/v1/knowledge/articles/").json()["results"]
    assert [f["name"] for f in listed[0]["files"]] == ["diagram.png", "form.pdf"]


# --- nothing but the article's own files -----------------------------------------------------------------

CORPUS = [
    "![x](javascript:alert(1))",
    "[x](javascript:alert(1))",
    "![x](attachment:javascript:alert(1))",
    "![x](attachment:../../etc/passwd)",
    "![x](attachment:..%2F..%2Fsettings.py)",
    "![x](attachment:/attachments/1/download/)",
    "![x](attachment://evil.example/x.png)",
    "![x](<attachment:diagram.png\" onerror=\"alert(1)>)",
    "![x](attachment:diagram.png \"a\\\" onerror=alert(1) \\\"\")",
    "[x](attachment:diagram.png?next=//evil.example)",
    "![x](attachment:diagram.png#/../../admin)",
    "![x](attachment:%00diagram.png)",
    "![x](attachment:999999999999999999999999)",
    "![x](attachment:-1)",
    "![<img src=x onerror=alert(1)>](attachment:diagram.png)",
    "<img src=attachment:diagram.png onerror=alert(1)>",
    "[x](ATTACHMENT:diagram.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](vbscript:msgbox(1))",
]


@pytest.mark.parametrize("body", CORPUS)
def test_attachment_references_never_yield_a_url_outside_the_articles_files(article, agent_a, body):
    diagram = attach(article, agent_a, "diagram.png")
    allowed = {f"/portal/knowledge/{article.number}/files/{diagram.pk}/"}
    files = ArticleFiles([diagram], lambda a: f"/portal/knowledge/{article.number}/files/{a.pk}/")
    html = render(body, files)
    found = parsed(html)
    assert not {name for name in found.attributes if name.startswith("on")}, html
    for url in found.urls:
        assert url in allowed or url.startswith(("http:", "https:", "mailto:")), html
    assert "javascript:" not in " ".join(found.urls) and "data:" not in " ".join(found.urls)
    assert "<script" not in html


# --- query counts -----------------------------------------------------------------------------------------


def test_the_portal_article_page_and_the_api_cost_the_same_with_more_files(client, kb, agent_a, agent_b,
                                                                           requester_a, token_client,
                                                                           django_assert_max_num_queries):
    def article_with(count: int) -> Article:
        body = "\n\n".join(f"![Step {n}](attachment:step-{n}.png) [log {n}](attachment:log-{n}.txt)"
                           for n in range(count))
        made = writes.create(ARTICLE, agent_a, {"title": f"Steps {count}", "body": body, "knowledge_base": kb,
                                                "audience": Audience.PUBLIC})
        for n in range(count):
            attach(made, agent_a, f"step-{n}.png")
            attach(made, agent_a, f"log-{n}.txt", b"log line")
        return review(made, agent_b)

    one, many = article_with(1), article_with(12)
    client.force_login(requester_a)
    reader = token_client(requester_a)

    def queries(url, caller=client) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        caller.get(url)  # warm: sessions, reference caches
        with CaptureQueriesContext(connection) as captured:
            assert caller.get(url).status_code == 200
        return len(captured)

    page, api, listing = (reverse("portal-article", args=[one.number]), f"/api/v1/knowledge/articles/{one.number}/",
                          "/api/v1/knowledge/articles/")
    before = {"page": queries(page), "api": queries(api, reader), "list": queries(listing, reader)}
    with django_assert_max_num_queries(before["page"]):
        html = client.get(reverse("portal-article", args=[many.number])).content.decode()
    assert len(parsed(html.split('data-testid="kb-article-body"', 1)[1].split("</div>", 1)[0]).images) == 12
    with django_assert_max_num_queries(before["api"]):
        assert len(reader.get(f"/api/v1/knowledge/articles/{many.number}/").json()["files"]) == 24
    article_with(3)
    reader.get(listing)  # warm again: new tickets empty the access rule's kept ids
    with django_assert_max_num_queries(before["list"]):
        assert reader.get(listing).json()["count"] == 3
