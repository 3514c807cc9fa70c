"""The composer is rendered back on "internal" after every post, and its button names who will read it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.incidents import views_support
from tests.incidents.views_support import htmx

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture


def checked_visibility(html: str) -> str:
    return re.search(r'<input[^>]*name="visibility" value="(\w+)"[^>]*checked', html).group(1)


def test_after_a_public_comment_the_composer_is_back_on_internal(ui_world):
    url = reverse("agent-incident-comment", args=[ui_world.number("inc_a")])
    response = ui_world.client("agent_a").post(url, {"body": "Fixed on our side.", "visibility": "public"}, **htmx())
    html = response.content.decode()
    assert response.status_code == 200
    assert checked_visibility(html) == "internal"
    assert 'autocomplete="off"' in html and ">Add internal note</button>" in html and "btn-secondary" in html


def test_a_refused_public_post_keeps_the_choice_and_says_who_reads_it(ui_world):
    url = reverse("agent-incident-comment", args=[ui_world.number("inc_a")])
    response = ui_world.client("agent_a").post(url, {"body": "", "visibility": "public"}, **htmx())
    html = response.content.decode()
    assert response.status_code == 400
    assert checked_visibility(html) == "public" and ">Send to customer</button>" in html and "btn-warning" in html
