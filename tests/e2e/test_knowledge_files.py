"""Knowledge files in the browser: an agent attaches a diagram to an article with the page's composer and sees it
inline in the preview; once the article is published an end user sees it inline in the portal with the file list
under the article, while a file added to the next draft stays out of their reach."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from core import services as core_services
from core import writes
from core.models import Attachment
from knowledge.choices import Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, KnowledgeBase
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in
from tests.knowledge.test_articles import review
from tests.knowledge.test_files import png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def article(settings, tmp_path):
    settings.ALLOW_DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    return writes.create(ARTICLE, User.objects.get(username="agent1"), {
        "title": "Which office network to use", "description": "The networks of the office, on one picture.",
        "body": "The office networks:\n\n![Network diagram](attachment:diagram.png)\n\n"
                "Guests fill in [the access form](attachment:guest-form.pdf).",
        "keywords": "network, wifi", "audience": Audience.PUBLIC,
        "knowledge_base": KnowledgeBase.objects.get(slug="it-help")})


def loaded(image) -> int:
    """The image's natural width once the browser loaded it (0: broken)."""
    image.wait_for(state="visible")
    return int(image.evaluate("img => img.complete ? img.naturalWidth : new Promise(done => "
                              "img.addEventListener('load', () => done(img.naturalWidth)))"))


def test_an_article_image_shows_in_the_preview_and_to_readers_once_published(page, article, tmp_path):
    diagram, form = tmp_path / "diagram.png", tmp_path / "guest-form.pdf"
    diagram.write_bytes(png(320, 160))
    form.write_bytes(b"%PDF-1.4 guest access form")
    sign_in(page, "agent1")
    page.goto(f"/agent/knowledge/{article.number}/")
    composer = page.get_by_test_id("comment-form")
    composer.get_by_label("Work note").fill("The diagram and the form for the article.")
    composer.get_by_label("Attachments").set_input_files([str(diagram), str(form)])
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("attachments")).to_contain_text("guest-form.pdf")
    assert set(Attachment.objects.filter(ticket_id=article.pk).values_list("internal", flat=True)) == {True}
    page.reload()
    preview = page.get_by_test_id("article-preview")
    assert loaded(preview.get_by_role("img", name="Network diagram")) == 320
    expect(preview.get_by_role("link", name="the access form")).to_be_visible()
    expect(page.get_by_test_id("attachments-hint")).to_contain_text("attachment:file-name.png")
    screenshot(page, "agent-knowledge-files")

    review(Article.objects.get(pk=article.pk), User.objects.get(username="agent2"))
    page.context.clear_cookies()
    sign_in(page, "user1")
    page.goto(f"/portal/knowledge/{article.number}/")
    body = page.get_by_test_id("kb-article-body")
    image = body.get_by_role("img", name="Network diagram")
    assert loaded(image) == 320
    assert image.get_attribute("src").startswith(f"/portal/knowledge/{article.number}/files/")
    files = page.get_by_test_id("kb-file")
    expect(files).to_have_count(2)
    expect(files.first).to_contain_text("diagram.png")
    with page.expect_download() as download:
        page.get_by_test_id("kb-files").get_by_role("link", name="guest-form.pdf").click()
    assert download.value.suggested_filename == "guest-form.pdf"
    screenshot(page, "portal-knowledge-files")

    # the next draft gets a new file: the end user cannot reach it, by any address
    new = core_services.add_attachment(Article.objects.get(pk=article.pk), User.objects.get(username="agent1"),
                                       SimpleUploadedFile("diagram-v2.png", png(10, 10)))
    for url in (f"/portal/knowledge/{article.number}/files/{new.pk}/", f"/attachments/{new.pk}/download/"):
        assert page.request.get(url).status == 404, url
    assert page.console_errors == []
