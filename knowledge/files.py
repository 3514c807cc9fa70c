"""Files of knowledge articles: which files a version's readers get, and what `attachment:` references in a body
mean for each reader.

- An article's files are core attachments on its ticket, added by the desk (the ticket page's composer, the drafts
  API's attachments endpoint). They are always internal (core.services.internal_only): the core download view
  never gives them to end users, whatever the article's audience.
- A body refers to them as `attachment:<file name>` (the newest file of that name) or `attachment:<id>`.
- Publishing fixes the version's files: the article's attachments its body refers to (ArticleVersion.files); a
  rollback publishes the files of the version it brings back. A file on the article that no published body
  refers to is never served to readers.
- Readers get a file only through `portal-article-file` (/portal/knowledge/<number>/files/<id>/), and only while
  it is a file of the published version of an article they read (knowledge.services.readable: not retired, public
  for end users): `served` says which, in one query.
- The desk's preview of the working copy resolves references to the article's current attachments, through the
  core download view (the desk may download every file of an article).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from core.models import Attachment
from core.views_attachments import is_inline_image
from knowledge import markdown
from knowledge.markdown import Resolved
from knowledge.models import Article, ArticleVersion


class ArticleFiles:
    """What `attachment:` references resolve to for one reader: `attachments` (of one article, or of one of its
    versions), each downloaded from `url(attachment)`. By id, or by file name (the newest of that name; a name
    differing only in case when no file has the exact name)."""

    def __init__(self, attachments: Iterable[Attachment], url: Callable[[Attachment], str], *,
                 desk: bool = False) -> None:
        self.attachments = sorted(attachments, key=lambda a: (a.created_at, a.pk))
        self.url = url
        self.desk = desk
        self.by_id = {str(a.pk): a for a in self.attachments}
        self.by_name = {a.filename: a for a in self.attachments}  # sorted oldest first: the newest wins
        self.by_folded_name = {a.filename.casefold(): a for a in self.attachments}

    def find(self, reference: str) -> Attachment | None:
        """The attachment `reference` names, or None."""
        if reference.isdigit():
            return self.by_id.get(reference)
        return self.by_name.get(reference) or self.by_folded_name.get(reference.casefold())

    def resolve(self, reference: str) -> Resolved | None:
        attachment = self.find(reference)
        if attachment is None:
            return None
        return Resolved(self.url(attachment), is_inline_image(attachment.filename))

    def missing(self, reference: str, text: str) -> str:
        """Readers see the text alone; the desk is told which reference finds no file."""
        if not self.desk:
            return text
        return f"{text} [no file “{reference[:100]}” on this article]".lstrip()


def desk_files(article: Article) -> ArticleFiles:
    """References as the desk's preview of the working copy resolves them: the article's attachments now."""
    return ArticleFiles(Attachment.objects.filter(ticket_id=article.pk),
                        lambda a: reverse("attachment-download", args=[a.pk]), desk=True)


def reader_url(article: Article, attachment: Attachment) -> str:
    """Where a reader of the article's published version downloads one of its files."""
    return reverse("portal-article-file", args=[article.number, attachment.pk])


def reader_files(article: Article, files: Iterable[Attachment]) -> ArticleFiles:
    """References as readers of the published version get them: `files`, the version's files, from the readers'
    file view."""
    return ArticleFiles(files, lambda a: reader_url(article, a))


def version_files(version: ArticleVersion) -> list[Attachment]:
    """The files of a version, by name (prefetched with `published_version__files`, else one query)."""
    return sorted(version.files.all(), key=lambda a: (a.filename.casefold(), a.pk))


def referenced(article: Article, body: str) -> list[Attachment]:
    """The article's attachments `body` refers to (what a version with this body gives its readers)."""
    references = markdown.references(body)
    if not references:
        return []
    files = ArticleFiles(Attachment.objects.filter(ticket_id=article.pk), str)
    found = {attachment.pk: attachment for ref in references if (attachment := files.find(ref)) is not None}
    return list(found.values())


def served(user: Any, number: str, pk: int) -> Attachment | None:
    """The file `pk` of article `number` if `user` reads that article and its published version has that file;
    else None (a draft's file, a file of an earlier version only, a retired or unreadable article)."""
    from knowledge.services import readable

    published = readable(user).filter(number=number).values("published_version_id")
    files: QuerySet[Attachment] = Attachment.objects.filter(pk=pk, article_versions__in=published)
    return files.first()
