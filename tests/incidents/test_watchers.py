"""Adding a watcher: people are picked by id from a search (never by a typed e-mail address), and an end user of
another organization than the requester's is refused unless an agent confirms it. One rule
(core.services.watcher_refusal) for the page and the API; the people search never shows an end user another
organization's people."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import services as core
from core.models import Watcher
from tests.factories import UserFactory
from tests.incidents import views_support
from tests.incidents.views_support import htmx

pytestmark = pytest.mark.django_db
ui_world = views_support.ui_world  # the shared fixture
API = "/api/v1/incidents/"


def page(world, name: str, key: str = "inc_a") -> str:
    return reverse(name, args=[world.number(key)])


def test_a_typed_e_mail_address_never_adds_anyone(ui_world):
    """The hijack of the issue: an address (someone else's, possibly copied) typed in the box adds nobody; the
    box only searches, and the person is then picked by id from what the search shows."""
    victim = ui_world.users["colleague_a"]
    response = ui_world.client("agent_a").post(page(ui_world, "agent-incident-watcher-add"),
                                               {"q": victim.email}, **htmx())
    html = response.content.decode()
    assert response.status_code == 400 and "Choose one of the people found" in html
    assert f'name="user" value="{victim.pk}"' in html and not Watcher.objects.exists()
    response = ui_world.client("agent_a").post(page(ui_world, "agent-incident-watcher-add"), {"user": victim.pk},
                                               **htmx())
    assert response.status_code == 200 and Watcher.objects.filter(user=victim).exists()


def test_an_end_user_of_another_organization_needs_a_confirmation_on_the_page(ui_world):
    client = ui_world.client("agent_a")
    outsider = ui_world.users["colleague_b"]  # Globex; inc_a is Acme's
    response = client.post(page(ui_world, "agent-incident-watcher-add"), {"user": outsider.pk}, **htmx())
    html = response.content.decode()
    assert response.status_code == 400 and "belongs to Globex, not to Acme" in html
    assert 'name="confirm_other_organization"' in html and not Watcher.objects.exists()
    response = client.post(page(ui_world, "agent-incident-watcher-add"),
                           {"user": outsider.pk, "confirm_other_organization": "on"}, **htmx())
    assert response.status_code == 200 and Watcher.objects.filter(user=outsider).exists()


def test_agents_and_people_of_the_same_organization_need_no_confirmation(ui_world):
    incident, agent = ui_world.incidents["inc_a"], ui_world.users["agent_a"]
    assert core.add_watcher(incident, ui_world.users["colleague_a"], agent)
    assert core.add_watcher(incident, ui_world.users["agent_b"], agent)


def test_the_api_applies_the_same_rule(ui_world):
    client = ui_world.client("agent_a")
    inc_a, outsider = ui_world.incidents["inc_a"], ui_world.users["colleague_b"]
    response = client.post(f"{API}{inc_a.number}/watchers/", {"user": outsider.pk}, content_type="application/json")
    assert response.status_code == 400 and "belongs to Globex" in response.json()["user"][0]
    response = client.post(f"{API}{inc_a.number}/watchers/",
                           {"user": outsider.pk, "confirm_other_organization": True}, content_type="application/json")
    assert response.status_code == 201


def test_an_end_user_cannot_confirm_and_adds_only_themselves(ui_world):
    incident, requester = ui_world.incidents["inc_a"], ui_world.users["requester_a"]
    with pytest.raises(ValidationError) as refused:
        core.add_watcher(incident, ui_world.users["colleague_b"], requester, confirm_other_organization=True)
    assert refused.value.message_dict["user"] == ["You can only add yourself as a watcher."]


def test_inactive_people_are_refused(ui_world):
    gone = UserFactory(username="gone", is_active=False, organization=ui_world.users["requester_a"].organization)
    with pytest.raises(ValidationError):
        core.add_watcher(ui_world.incidents["inc_a"], gone, ui_world.users["agent_a"])


def test_people_search_for_agents_points_out_another_organization(ui_world):
    response = ui_world.client("agent_a").get(reverse("people-search"),
                                              {"q": "colleague", "ticket": ui_world.number("inc_a")})
    html = response.content.decode()
    assert ui_world.users["colleague_a"].username in html and ui_world.users["colleague_b"].username in html
    line_b = html[html.index(f'value="{ui_world.users["colleague_b"].pk}"'):]
    assert "not the requester's organization" in line_b.split("</div>")[0]
    line_a = html[html.index(f'value="{ui_world.users["colleague_a"].pk}"'):]
    assert "not the requester's organization" not in line_a.split("</div>")[0]


def test_people_search_never_shows_an_end_user_another_organizations_people(ui_world):
    response = ui_world.client("requester_a").get(reverse("people-search"), {"q": "colleague"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ui_world.users["colleague_a"].username in html and ui_world.users["colleague_b"].username not in html
    assert ui_world.client("requester_a").get("/api/v1/users/", {"search": "colleague"}).status_code == 403


def test_the_watcher_form_is_a_search_not_an_address_box(ui_world):
    html = ui_world.client("agent_a").get(page(ui_world, "agent-incident")).content.decode()
    form = html[html.index('data-testid="watcher-form"'):]
    form = form[:form.index("</form>")]
    assert 'name="q"' in form and 'hx-get="/people/search/?ticket=' in form and 'name="username"' not in form
