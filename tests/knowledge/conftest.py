"""Fixtures of the knowledge tests: the "IT help" knowledge base, reviewed by the Network team."""

from __future__ import annotations

import pytest

from knowledge.models import KnowledgeBase


@pytest.fixture
def kb(team_network):
    return KnowledgeBase.objects.create(name="IT help", slug="it-help", reviewers=team_network)
