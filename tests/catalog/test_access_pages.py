"""Access in the browser and the API: the access item's form (the level and end date fields, refused alike by the
portal and the API), My access and giving access up, the desk's register (filters, revoking with a reason, a fixed
number of queries), and /api/v1/access-grants/ (an end user's own only, the desk's all, revoking)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from catalog.models import AccessGrant, AccessSystem, GrantState
from tests.catalog.conftest import granted, in_days
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GRANTS = "/api/v1/access-grants/"


def test_the_portal_form_asks_level_and_end_date_and_refuses_like_the_api(client, token_client, folder_item,
                                                                          requester_a):
    client.force_login(requester_a)
    url = reverse("portal-catalog-item", args=[folder_item.slug])
    page = client.get(url).content.decode()
    assert 'name="v-access_level"' in page and ">Read and write</option>" in page
    assert 'name="v-access_until"' in page and "At most 90 days from today." in page

    too_late = in_days(200)
    refused = client.post(url, {"v-access_level": "Read", "v-access_until": too_late})
    assert refused.status_code == 400
    assert "Finance share grants at most 90 days" in refused.content.decode()
    api = token_client(requester_a)
    schema = api.get(f"/api/v1/catalog/items/{folder_item.pk}/").json()
    assert schema["access_system"] == "Finance share"
    assert [(f["name"], f["choices"]) for f in schema["form"]][:1] == [("access_level", ["Read", "Read and write"])]
    answer = api.post(f"/api/v1/catalog/items/{folder_item.pk}/order/",
                      {"answers": {"access_level": "Read", "access_until": too_late}}, format="json")
    assert answer.status_code == 400
    assert answer.json()["access_until"] == [refused.context["errors"]["access_until"][0]]
    assert not AccessGrant.objects.exists()

    ordered = client.post(url, {"v-access_level": "Read", "v-access_until": in_days(10)})
    assert ordered.status_code == 302
    grant = AccessGrant.objects.get()
    assert (grant.person, grant.level, grant.state) == (requester_a, "Read", GrantState.REQUESTED)


def test_my_access_lists_one_s_own_and_giving_it_up_raises_a_revoke_request(client, folder_item, requester_a,
                                                                             requester_b, owner, agent_b):
    mine = granted(folder_item, requester_a, owner, agent_b)
    theirs = granted(folder_item, UserFactory(role=Role.END_USER, organization=requester_a.organization), owner,
                     agent_b, level="Read and write")
    client.force_login(requester_a)
    page = client.get(reverse("portal-access"))
    rows = page.context["current"]
    assert rows == [mine] and b"Give it up" in page.content
    assert client.post(reverse("portal-access-give-up", args=[theirs.pk])).status_code == 404

    answer = client.post(reverse("portal-access-give-up", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.revoke_item is not None and answer.status_code == 302
    assert answer.url == reverse("portal-request", args=[mine.revoke_item.parent_request.number])
    assert b"Being revoked" in client.get(reverse("portal-access")).content
    again = client.post(reverse("portal-access-give-up", args=[mine.pk]), follow=True)
    assert b"Another request is already revoking this access." in again.content


def test_the_register_filters_and_the_desk_revokes_with_a_reason(client, folder_item, requester_a, owner, agent_a,
                                                                 agent_b):
    soon = granted(folder_item, requester_a, owner, agent_b, days=10)
    colleague = UserFactory(role=Role.END_USER, organization=requester_a.organization, last_name="Zimmer")
    later = granted(folder_item, colleague, owner, agent_b, days=80)
    AccessGrant.objects.create(person=colleague, system=AccessSystem.objects.create(name="Payroll"), level="Read",
                               state=GrantState.REVOKED)
    client.force_login(agent_a)
    url = reverse("agent-access-register")
    assert list(client.get(url).context["page"].object_list) == [soon, later]  # active by default
    assert list(client.get(url, {"q": "zimmer"}).context["page"].object_list) == [later]
    assert list(client.get(url, {"expiring": "on"}).context["page"].object_list) == [soon]
    assert len(client.get(url, {"state": ""}).context["page"].object_list) == 3

    assert client.post(reverse("agent-access-revoke", args=[soon.pk]), {"reason": ""}).status_code == 302
    soon.refresh_from_db()
    assert soon.revoke_item is None  # no reason: nothing raised
    client.post(reverse("agent-access-revoke", args=[soon.pk]), {"reason": "Left finance."})
    soon.refresh_from_db()
    order = soon.revoke_item.parent_request
    assert (order.requester, order.opened_by) == (requester_a, agent_a)
    assert "Why: Left finance." in order.description
    assert soon.revoke_item.tasks.get().team.name == "Network"


def test_end_users_have_no_register(client, requester_a):
    client.force_login(requester_a)
    assert client.get(reverse("agent-access-register")).status_code in (403, 404)


def test_the_register_costs_the_same_queries_for_3_or_30_rows(client, folder_item, owner, agent_a, agent_b,
                                                                org_acme):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("agent-access-register")).status_code == 200
        return len(captured)

    client.force_login(agent_a)
    system = folder_item.access_system
    people = [UserFactory(role=Role.END_USER, organization=org_acme) for _ in range(30)]
    for person in people[:3]:
        AccessGrant.objects.create(person=person, system=system, level="Read", state=GrantState.ACTIVE,
                                   granted_by=agent_b, until=timezone.localdate() + timedelta(days=3))
    few = count()
    for person in people[3:]:
        AccessGrant.objects.create(person=person, system=system, level="Read", state=GrantState.ACTIVE,
                                   granted_by=agent_b)
    assert count() == few


def test_the_api_shows_an_end_user_their_own_and_the_desk_everyone_s(token_client, folder_item, requester_a,
                                                                      owner, agent_a, agent_b):
    mine = granted(folder_item, requester_a, owner, agent_b)
    theirs = granted(folder_item, UserFactory(role=Role.END_USER, organization=requester_a.organization), owner,
                     agent_b)
    api = token_client(requester_a)
    body = api.get(GRANTS).json()
    assert [g["id"] for g in body["results"]] == [mine.pk]
    row = body["results"][0]
    assert (row["system"], row["level"], row["state"], row["state_label"], row["requested_item"]) == (
        "Finance share", "Read", "active", "Active", mine.requested_item.number)
    assert api.get(f"{GRANTS}{theirs.pk}/").status_code == 404
    assert api.post(f"{GRANTS}{theirs.pk}/revoke/", {"reason": "x"}, format="json").status_code == 404

    desk = token_client(agent_a)
    assert desk.get(GRANTS).json()["count"] == 2
    assert [g["id"] for g in desk.get(GRANTS, {"person": theirs.person_id}).json()["results"]] == [theirs.pk]
    assert "state" in desk.get(GRANTS, {"state": "gone"}).json()
    assert desk.post(f"{GRANTS}{theirs.pk}/revoke/", {}, format="json").json()["reason"]
    made = desk.post(f"{GRANTS}{theirs.pk}/revoke/", {"reason": "Moved team."}, format="json")
    assert made.status_code == 201 and made.json()["number"].startswith("REQ")
    twice = desk.post(f"{GRANTS}{theirs.pk}/revoke/", {"reason": "Again."}, format="json")
    assert twice.status_code == 400 and "access" in twice.json()
    assert desk.post(GRANTS, {}, format="json").status_code == 405
    systems = api.get("/api/v1/access-systems/").json()["results"]
    assert [(s["name"], s["levels"], s["max_days"]) for s in systems] == [("Finance share", ["Read", "Read and write"],
                                                                         90)]


def test_the_portal_revoke_item_lists_one_s_access_and_revokes_the_chosen_one(client, folder_item, requester_a,
                                                                              owner, agent_b):
    from catalog import grants

    grant = granted(folder_item, requester_a, owner, agent_b)
    item = grants.revoke_item()
    client.force_login(requester_a)
    url = reverse("portal-catalog-item", args=[item.slug])
    label = grants.grant_label(grant)
    assert f">{label}</option>" in client.get(url).content.decode()
    refused = client.post(url, {"v-access_to_revoke": "Payroll: Admin"})
    assert refused.status_code == 400 and refused.context["errors"]["access_to_revoke"]
    assert client.post(url, {"v-access_to_revoke": label}).status_code == 302
    grant.refresh_from_db()
    assert grant.revoke_item is not None and grant.revoke_item.tasks.count() == 1
