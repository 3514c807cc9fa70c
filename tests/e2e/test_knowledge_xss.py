"""An article whose Markdown is an XSS corpus (raw HTML, handlers, javascript:/data:/vbscript: links and images,
entities, nested and reference-style markup), published, then opened in Chromium by an end user (the portal) and by
an agent (the desk's preview): no script runs, no dialog opens, no handler or dangerous URL reaches the page, and
the writer's plain text still shows."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in
from tests.knowledge.test_articles import XSS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CORPUS = [
    *XSS,
    "<script>window.__xss = 1</script>",
    "<img src=x onerror=\"window.__xss = 1\">",
    "[**nested**](javascript:window.__xss=1)",
    "<javascript:window.__xss=1>",
    "[ref][evil]\n\n[evil]: javascript:window.__xss=1",
    "![image](https://example.invalid/x.png \"onerror=window.__xss=1\")",
    "&lt;script&gt;window.__xss = 1&lt;/script&gt; stays text",
    "[x](java\tscript:window.__xss=1)",
    "<a href=\"&#x6A;avascript:window.__xss=1\">entity</a>",
    "`<script>window.__xss = 1</script>` in code",
    "Plain words the writer meant.",
]

# what the page's DOM must not hold inside the article: elements that run or embed, handlers, dangerous URLs
INSPECT = """(selector) => {
  const root = document.querySelector(selector);
  const bad = [];
  for (const el of root.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    const active = ["script", "iframe", "svg", "style", "object", "embed", "details", "form", "input"];
    if (active.includes(tag)) bad.push(tag);
    for (const attr of el.attributes) {
      const value = attr.value.replace(/\\s/g, "").toLowerCase();
      if (attr.name.startsWith("on")) bad.push(tag + "[" + attr.name + "]");
      const url = ["href", "src"].includes(attr.name);
      if (url && /^(javascript|data|vbscript):/.test(value)) bad.push(tag + " " + value);
    }
  }
  return {bad, xss: window.__xss || 0, text: root.innerText};
}"""



def test_an_xss_corpus_in_an_article_runs_nothing_in_a_browser(page, demo):
    from accounts.models import User
    from core import writes
    from knowledge.choices import Audience
    from knowledge.kind import ARTICLE
    from knowledge.models import KnowledgeBase
    from tests.knowledge.test_articles import review

    agent1, agent2 = User.objects.get(username="agent1"), User.objects.get(username="agent2")
    article = writes.create(ARTICLE, agent1, {
        "title": "Everything a writer might paste", "description": "An XSS corpus.", "audience": Audience.PUBLIC,
        "knowledge_base": KnowledgeBase.objects.get(slug="it-help"), "body": "\n\n".join(CORPUS)})
    review(article, agent2)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, "user1")
    page.goto(f"/portal/knowledge/{article.number}/")
    body = page.get_by_test_id("kb-article-body")
    body.hover()
    for link in body.locator("a").all():
        link.hover()
    found = page.evaluate(INSPECT, "[data-testid=kb-article-body]")
    screenshot(page, "knowledge-xss-portal")
    assert found["bad"] == [] and found["xss"] == 0 and dialogs == []
    assert "Plain words the writer meant." in found["text"] and "stays text" in found["text"]

    page.context.clear_cookies()
    sign_in(page, "agent1")
    page.goto(f"/agent/knowledge/{article.number}/")
    found = page.evaluate(INSPECT, "[data-testid=article-preview]")
    assert found["bad"] == [] and found["xss"] == 0 and dialogs == []
    assert "Plain words the writer meant." in found["text"]
