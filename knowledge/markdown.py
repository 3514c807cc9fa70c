"""Article bodies: Markdown (CommonMark, with tables and strikethrough) rendered to HTML, then sanitised with nh3
(ammonia): only formatting tags survive, no script, no style, no event handler, and links and images only to
http(s), mailto or the site itself. Raw HTML in the Markdown is not rendered at all (it shows as text)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
              "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"])


def render(text: str) -> str:
    """Safe HTML of a Markdown text (links open as links with rel="noopener noreferrer nofollow")."""
    html = parser().render(text or "")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)
