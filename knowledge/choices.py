"""The states of a knowledge article and who reads it."""

from __future__ import annotations

from django.db import models

from core.workflow import Workflow


class ArticleState(models.TextChoices):
    """Where the article's working copy is. What readers get is its last published version, whatever this says
    (a published article keeps serving it while a new draft is in review)."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Audience(models.TextChoices):
    PUBLIC = "public", "Everyone (the portal)"
    INTERNAL = "internal", "The service desk only"


class ArticleType(models.TextChoices):
    ANSWER = "answer", "Answer"
    KNOWN_ERROR = "known_error", "Known error"


ARTICLE_WORKFLOW = Workflow(
    transitions={
        ArticleState.DRAFT: [ArticleState.REVIEW, ArticleState.RETIRED],
        ArticleState.REVIEW: [ArticleState.DRAFT, ArticleState.PUBLISHED],
        ArticleState.PUBLISHED: [ArticleState.DRAFT, ArticleState.RETIRED],
        ArticleState.RETIRED: [ArticleState.DRAFT],
    },
    open_states=frozenset({ArticleState.DRAFT, ArticleState.REVIEW}),  # the work on it; published is done
    labels=dict(ArticleState.choices),
    resolved_states=frozenset({ArticleState.PUBLISHED}),
    cancelled_states=frozenset({ArticleState.RETIRED}),
)
