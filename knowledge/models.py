"""Knowledge: knowledge bases (each with its reviewers) and articles (number KB...), whose published versions are
what readers get. An article is a kind of the shared ticket core (journal, attachments, access rule, API); its
working copy is the ticket row, each publication a new ArticleVersion."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from core.limits import long_text
from core.models import Ticket
from knowledge.choices import ArticleType, Audience
from knowledge.search import LANGUAGES


class KnowledgeBase(models.Model):
    """A collection of articles with its reviewers (a team: any member may approve a new version)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    reviewers = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="Approve each new version (empty: any manager).")
    language = models.CharField(max_length=20, choices=LANGUAGES, default="english",
                                help_text="How its articles' words are stemmed for search.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(Ticket):
    """A knowledge article (KB...): its working copy (title, summary in `description`, Markdown body, keywords),
    who reads it, and its last published version, served to readers even while a new draft is in review."""

    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.PROTECT, related_name="articles")
    category = models.ForeignKey("incidents.Category", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="A top-level category, as incidents and problems have.")
    body = models.TextField(**long_text(blank=True), help_text="Markdown.")
    keywords = models.CharField(max_length=300, blank=True, help_text="Words people search with, comma-separated.")
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.INTERNAL)
    article_type = models.CharField(max_length=16, choices=ArticleType.choices, default=ArticleType.ANSWER,
                                    editable=False)
    known_error_of = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        help_text="A known error: the problem it is published from (which keeps it in step).")
    organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="+",
        help_text="A public article: only these organizations' end users read it (none chosen: everyone).")
    valid_until = models.DateField(null=True, blank=True, help_text="Reviewed again by then.")
    review_reminded_for = models.DateField(null=True, blank=True, editable=False,
                                           help_text="The review date its owners were last reminded of.")
    published_version = models.ForeignKey("ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", editable=False)
    views = models.PositiveIntegerField(default=0, editable=False, help_text="How many times readers opened it.")

    class Meta:
        ordering = ["-opened_at"]

    def get_state_display(self) -> str:
        from knowledge.choices import ARTICLE_WORKFLOW

        return ARTICLE_WORKFLOW.label(self.state)


class ArticleVersion(models.Model):
    """One published version of an article, as readers got it: a publication, or a rollback to an earlier one.
    Its `files` are the article's attachments its body refers to, fixed when it was published: while it is the
    published version its readers get those files (knowledge.files), and only those."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(**long_text(blank=True))
    body = models.TextField(**long_text(blank=True))
    keywords = models.CharField(max_length=300, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    public_to = ArrayField(models.PositiveIntegerField(), null=True, blank=True,
                           help_text="A public version: the only organizations whose end users read it (ids).")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField()
    files = models.ManyToManyField(
        "core.Attachment", blank=True, related_name="article_versions",
        help_text="The article's files this version refers to (attachment:...): its readers get these, no others.")
    # weighted words (title, keywords, summary, body) in its knowledge base's language, written when published
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_number")]
        indexes = [GinIndex(fields=["search"], name="knowledge_version_search")]

    def __str__(self) -> str:
        return f"Version {self.number}"


class ArticleFeedback(models.Model):
    """A reader's "Was this helpful?" on an article (their latest answer counts), with an optional comment, and
    the version they read."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    version = models.ForeignKey(ArticleVersion, null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="knowledge_feedback_once")]

    def __str__(self) -> str:
        return f"{'Helpful' if self.helpful else 'Not helpful'}: {self.article_id}"


class Deflection(models.Model):
    """An issue an article solved before it became a ticket: while reporting, the end user marked a suggested
    article "This solved my problem". Counted once per attempt (one report form)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    attempt = models.CharField(max_length=32, help_text="The report form it happened in.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "attempt"], name="knowledge_deflection_once")]
        indexes = [models.Index(fields=["article", "created_at"], name="knowledge_deflection_article")]

    def __str__(self) -> str:
        return f"Deflected by {self.article_id}"


class SearchLog(models.Model):
    """One search of the knowledge by a reader (the words, lower-cased, and how many articles it found): the report
    lists what people looked for without finding anything. Who searched is not kept."""

    text = models.CharField(max_length=200)
    results = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="knowledge_search_log_time")]

    def __str__(self) -> str:
        return self.text
