"""Ordering from the catalog in the portal and through the API: the same bad order is refused with the same field
errors by both; an order makes a request and its requested item with the answers that were shown; who may order
what (and for whom); a record producer raises an incident; the request follows its item; My requests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from catalog import services
from catalog.choices import ItemState, RequestState, TaskState
from catalog.demo import seed_catalog
from catalog.kinds import CATALOG_TASK, REQUESTED_ITEM
from catalog.models import Audience, CatalogItem, CatalogTask, Request, RequestedItem
from core import writes
from core.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(service_email):
    seed_catalog(SimpleNamespace(services={"laptops": service_email}))
    return {item.slug: item for item in CatalogItem.objects.all()}


def portal_post(client, item, answers: dict, **extra):
    data = {f"v-{name}": value for name, value in answers.items()} | extra
    return client.post(reverse("portal-catalog-item", args=[item.slug]), data)


BAD = {"type": "Desktop", "model": "Standard 14\"", "needed_by": "next monday"}


def test_the_portal_and_the_api_refuse_the_same_bad_order_with_the_same_errors(client, token_client, catalog,
                                                                              requester_a):
    laptop = catalog["new-computer"]
    client.force_login(requester_a)
    page = portal_post(client, laptop, BAD)
    assert page.status_code == 400
    text = page.content.decode()
    assert "This field is required." in text and "Enter a date (YYYY-MM-DD)." in text
    assert 'value="next monday"' in text  # nothing typed is lost
    api = token_client(requester_a).post(f"/api/v1/catalog/items/{laptop.pk}/order/", {"answers": BAD},
                                         format="json")
    assert api.status_code == 400
    assert api.json() == {"monitor_size": ["This field is required."],
                          "needed_by": ["Enter a date (YYYY-MM-DD)."]}
    assert not Ticket.objects.exists()


def test_an_end_user_orders_a_laptop_and_follows_it(client, catalog, requester_a, agent_a):
    laptop = catalog["new-computer"]
    client.force_login(requester_a)
    assert laptop.name in client.get(reverse("portal-catalog")).content.decode()
    form = client.get(reverse("portal-catalog-item", args=[laptop.slug])).content.decode()
    assert 'data-show-when="type" data-show-value="Desktop"' in form
    done = portal_post(client, laptop, {"type": "Laptop", "model": "Standard 14\"", "monitor_size": "27\"",
                                        "needed_by": "2027-01-04"})
    order = Request.objects.get()
    assert done.status_code == 302 and done.url == reverse("portal-request", args=[order.number])
    item = RequestedItem.objects.get()
    # the monitor size was sent but its field did not show (a laptop): it is not stored
    assert item.answers == {"type": "Laptop", "model": "Standard 14\"", "needed_by": "2027-01-04"}
    # its plan starts at once: the first stage's task, the item being prepared, the request in progress
    assert (order.requester, order.opened_by, order.state, item.parent_request) == (
        requester_a, requester_a, RequestState.IN_PROGRESS, order)
    assert item.team == order.team and item.team is not None  # the service's support team
    page = client.get(reverse("portal-request", args=[order.number])).content.decode()
    assert "Laptop or desktop: Laptop" in page and "Being prepared" in page
    assert order.number in client.get(reverse("portal-requests")).content.decode()

    for stage in (1, 2):
        for task in CatalogTask.objects.filter(requested_item=item, stage=stage):
            writes.transition(CATALOG_TASK, task, agent_a, TaskState.DONE)
    order.refresh_from_db()
    item.refresh_from_db()
    assert (item.state, order.state) == (ItemState.COMPLETE, RequestState.CLOSED)
    assert "Delivered" in client.get(reverse("portal-request", args=[order.number])).content.decode()


def test_an_item_without_a_plan_is_worked_by_hand_and_the_request_follows(catalog, requester_a, agent_a):
    plain = CatalogItem.objects.create(name="Headset", slug="headset", category=catalog["new-computer"].category,
                                       short_description="A USB headset.")
    order = services.order(plain, requester_a, {})
    item = order.items.get()
    assert (item.state, order.state) == (ItemState.REQUESTED, RequestState.OPEN)
    writes.take(REQUESTED_ITEM, item, agent_a)
    order.refresh_from_db()
    assert order.state == RequestState.IN_PROGRESS
    writes.transition(REQUESTED_ITEM, item, agent_a, ItemState.COMPLETE)
    order.refresh_from_db()
    assert order.state == RequestState.CLOSED


def test_who_may_order_what_and_for_whom(client, token_client, catalog, requester_a, requester_b, agent_a,
                                         org_globex):
    software = catalog["software-install"]
    software.audience = Audience.ORGANIZATIONS
    software.save()
    software.organizations.set([org_globex])
    client.force_login(requester_a)
    assert client.get(reverse("portal-catalog-item", args=[software.slug])).status_code == 404
    assert token_client(requester_a).get(f"/api/v1/catalog/items/{software.pk}/").status_code == 404
    assert software.name not in client.get(reverse("portal-catalog")).content.decode()

    laptop = catalog["new-computer"]
    answers = {"type": "Laptop", "model": "Standard 14\""}
    for_other = token_client(requester_a).post(f"/api/v1/catalog/items/{laptop.pk}/order/",
                                               {"answers": answers, "requested_for": requester_b.pk}, format="json")
    assert for_other.status_code == 400 and "requested_for" in for_other.json()
    by_agent = token_client(agent_a).post(f"/api/v1/catalog/items/{laptop.pk}/order/",
                                          {"answers": answers, "requested_for": requester_b.pk}, format="json")
    assert by_agent.status_code == 201, by_agent.json()
    order = Request.objects.get(number=by_agent.json()["number"])
    assert (order.requester, order.opened_by) == (requester_b, agent_a)
    assert order.title == f"New computer for {requester_b.display_name}"
    # the person it is for sees it; another organization's end user does not
    assert token_client(requester_b).get(f"/api/v1/requests/{order.number}/").status_code == 200
    assert token_client(requester_a).get(f"/api/v1/requests/{order.number}/").status_code == 404
    assert token_client(requester_b).post("/api/v1/requests/", {"title": "x"}, format="json").status_code == 405


def test_a_record_producer_raises_an_incident(client, catalog, requester_a):
    reset = catalog["password-reset"]
    client.force_login(requester_a)
    refused = portal_post(client, reset, {"summary": "E-mail", "phone": "call me"})
    assert refused.status_code == 400 and "A phone number, like +33 1 23 45 67 89." in refused.content.decode()
    sent = portal_post(client, reset, {"summary": "E-mail", "phone": "+33 1 23 45 67 89"})
    incident = Ticket.objects.get(kind="incident")
    assert sent.url == reverse("portal-incident", args=[incident.number])
    assert incident.title == "E-mail" and "A phone number to call you back: +33 1 23 45 67 89" in incident.description
    assert not Request.objects.exists()


def test_the_catalog_api_describes_each_form(token_client, catalog, requester_a):
    items = token_client(requester_a).get("/api/v1/catalog/items/").json()["results"]
    laptop = next(item for item in items if item["slug"] == "new-computer")
    monitor = next(field for field in laptop["form"] if field["name"] == "monitor_size")
    assert monitor["show_when"] == {"field": "type", "value": "Desktop"} and monitor["required"] is True
    assert monitor["choices"] == ['24"', '27"'] and monitor["type"] == "choice"
    categories = token_client(requester_a).get("/api/v1/catalog/categories/").json()["results"]
    assert {c["slug"] for c in categories} == {"hardware", "software", "access", "people", "help"}


def test_an_end_user_orders_for_themselves_and_a_retired_item_cannot_be_ordered(client, token_client, catalog,
                                                                               requester_a, requester_b):
    software = catalog["software-install"]
    client.force_login(requester_a)
    portal_post(client, software, {"application": "Visio", "reason": "Drawing the network plans."},
                requested_for=requester_b.pk)  # not theirs to choose: ignored
    assert Request.objects.get().requester == requester_a
    software.active = False
    software.save()
    assert client.get(reverse("portal-catalog-item", args=[software.slug])).status_code == 404
    assert token_client(requester_a).post(f"/api/v1/catalog/items/{software.pk}/order/", {"answers": {}},
                                          format="json").status_code == 404
