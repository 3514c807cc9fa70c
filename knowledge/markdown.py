"""Article bodies: Markdown (CommonMark, with tables and strikethrough) rendered to HTML, then sanitised with nh3
(ammonia): only formatting tags survive, no script, no style, no event handler, and links and images only to
http(s), mailto or the site itself. Raw HTML in the Markdown is not rendered at all (it shows as text).

An article refers to its own files as `attachment:<file name>` or `attachment:<id>` (`![Diagram](attachment:net.png)`,
`[the form](attachment:form.pdf)`). The caller says what those are for its reader (`Files`, knowledge.files): each
reference it knows becomes the URL that reader downloads it from (a path of this site, built by the caller from
the file's id, never from the text), an image that is not an inert image type becomes a link, and a reference it
does not know becomes plain text. The rewrite happens on the parsed tokens, before sanitising, so nh3 still
checks every URL that comes out."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple, Protocol
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
              "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}
SCHEME = "attachment:"


class Resolved(NamedTuple):
    """Where a reader gets a referenced file: `url` (a path of this site) and whether to show it as an image."""

    url: str
    image: bool


class Files(Protocol):
    """What `attachment:` references mean for one reader."""

    def resolve(self, reference: str) -> Resolved | None:
        """The file `reference` (a name or an id) names, for this reader; None when there is none."""

    def missing(self, reference: str, text: str) -> str:
        """What a reference to no file shows: for an image, instead of it (`text` is its description); for a link,
        after its text (`text` is "")."""


class NoFiles:
    """No file resolves: every reference shows as its text (or, for an image, its description)."""

    def resolve(self, reference: str) -> Resolved | None:
        return None

    def missing(self, reference: str, text: str) -> str:
        return text


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"])


def reference_of(url: str | None) -> str | None:
    """The file reference of an `attachment:` link or image target (decoded: `my%20file.png` is `my file.png`),
    else None."""
    if not url or url[:len(SCHEME)].lower() != SCHEME:
        return None
    return unquote(url[len(SCHEME):]).strip()


def _inline_tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type == "inline" and token.children:
            yield token


def references(text: str) -> list[str]:
    """The file references a Markdown text makes (links and images to `attachment:`), in order, once each."""
    found: dict[str, None] = {}
    for block in _inline_tokens(parser().parse(text or "")):
        for token in block.children or []:
            target = token.attrGet("href") if token.type == "link_open" else (
                token.attrGet("src") if token.type == "image" else None)
            reference = reference_of(str(target) if target is not None else None)
            if reference:
                found.setdefault(reference, None)
    return list(found)


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _rewrite(children: list[Token], files: Files) -> list[Token]:
    """The inline tokens with their `attachment:` links and images rewritten for the reader (see the module)."""
    out: list[Token] = []
    kept_links: list[bool] = []  # per open link: whether its closing tag is kept
    for token in children:
        if token.type == "link_open":
            href = token.attrGet("href")
            reference = reference_of(str(href) if href is not None else None)
            found = files.resolve(reference) if reference else None
            kept_links.append(reference is None or found is not None)
            if reference is None:
                out.append(token)
            elif found is not None:
                token.attrSet("href", found.url)
                out.append(token)
            continue
        if token.type == "link_close":
            if kept_links.pop() if kept_links else True:
                out.append(token)
            else:  # the link's text stays, with what the reader is told of the missing file
                note = files.missing(token.info or "", "")
                if note:
                    out.append(_text(f" {note}"))
            continue
        if token.type == "image":
            src = token.attrGet("src")
            reference = reference_of(str(src) if src is not None else None)
            if reference is None:
                out.append(token)
                continue
            alt = token.content
            found = files.resolve(reference) if reference else None
            if found is None:
                out.append(_text(files.missing(reference, alt)))
            elif found.image:
                token.attrSet("src", found.url)
                out.append(token)
            else:  # not an image a browser may show: a link to the file
                link = Token("link_open", "a", 1)
                link.attrSet("href", found.url)
                out.extend([link, _text(alt or reference), Token("link_close", "a", -1)])
            continue
        out.append(token)
    return out


def _remember_references(children: list[Token]) -> None:
    """Keep each `attachment:` link's reference on its closing token (for the note on a missing file)."""
    open_references: list[str] = []
    for token in children:
        if token.type == "link_open":
            href = token.attrGet("href")
            open_references.append(reference_of(str(href) if href is not None else None) or "")
        elif token.type == "link_close" and open_references:
            token.info = open_references.pop()


def render(text: str, files: Files | None = None) -> str:
    """Safe HTML of a Markdown text (links open as links with rel="noopener noreferrer nofollow"), its
    `attachment:` references rewritten by `files` (none resolve without it)."""
    md = parser()
    env: dict[str, object] = {}
    tokens = md.parse(text or "", env)
    for block in _inline_tokens(tokens):
        _remember_references(block.children or [])
        block.children = _rewrite(block.children or [], files or NoFiles())
    html = md.renderer.render(tokens, md.options, env)
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)
