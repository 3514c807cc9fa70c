"""The catalog builder: a service owner (a manager) makes an item, gives its form fields with a condition, orders
them, adds approval steps and a plan of parallel tasks, previews the form, and the item then orders as built;
each mistake is refused with the field named, nothing lost; agents and end users have no builder."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.choices import ItemState
from catalog.models import CatalogCategory, CatalogItem
from core.models import ApproverGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def hardware(db):
    return CatalogCategory.objects.create(name="Hardware", slug="hardware", icon="laptop")


@pytest.fixture
def owner_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def phone(hardware):
    return CatalogItem.objects.create(name="Mobile phone", slug="mobile-phone", category=hardware,
                                      short_description="A company phone.")


def add_field(client, item, **data):
    values = {"section": "field", "field-var_type": "text", **{f"field-{k}": v for k, v in data.items()}}
    return client.post(reverse("catalog-builder-item", args=[item.pk]), values)


def test_a_manager_creates_an_item_whose_address_comes_from_its_name(owner_client, hardware):
    answer = owner_client.post(reverse("catalog-builder-new"), {
        "item-name": "Mobile phone", "item-category": hardware.pk, "item-item_type": "request",
        "item-short_description": "A company phone.", "item-audience": "everyone", "item-order": 0,
        "item-active": "on"})
    item = CatalogItem.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("catalog-builder-item", args=[item.pk])
    assert item.slug == "mobile-phone"
    refused = owner_client.post(reverse("catalog-builder-new"), {
        "item-name": "Access", "item-category": hardware.pk, "item-item_type": "access",
        "item-short_description": "x", "item-audience": "everyone", "item-order": 0})
    assert refused.status_code == 400
    assert "choose it" in refused.context["form"].errors["access_system"][0]
    assert b"Mobile phone" in owner_client.get(reverse("catalog-builder")).content


def test_fields_with_a_condition_are_built_checked_ordered_and_ordered_as_built(owner_client, phone, requester_a):
    assert add_field(owner_client, phone, label="Model", var_type="choice", required="on",
                     choices="Basic\nPro").status_code == 302
    model = phone.variables.get()
    assert model.name == "model" and model.order == 1
    refused = add_field(owner_client, phone, label="Storage", var_type="choice", choices="128 GB\n256 GB",
                        show_when=model.pk, show_when_value="Ultra")
    assert refused.status_code == 400
    assert refused.context["field_form"].errors["show_when_value"] == ["Model offers: Basic, Pro."]
    assert b'value="Storage"' in refused.content  # nothing lost
    assert add_field(owner_client, phone, label="Storage", var_type="choice", choices="128 GB\n256 GB",
                     required="on", show_when=model.pk, show_when_value="Pro").status_code == 302
    for bad, field, message in [({"label": "Model"}, "name", "Another field of this item has this key."),
                                ({"label": "Code", "pattern": "[a-"}, "pattern", "Not a regular expression"),
                                ({"label": "Colour", "var_type": "choice"}, "choices", "List the choices"),
                                ({"label": "Count", "var_type": "number", "min_value": "5", "max_value": "2"},
                                 "max_value", "The greatest value is below the least.")]:
        answer = add_field(owner_client, phone, **bad)
        assert answer.status_code == 400 and message in answer.context["field_form"].errors[field][0]
    add_field(owner_client, phone, label="Why", var_type="textarea")
    why = phone.variables.get(name="why")
    url = reverse("catalog-builder-item", args=[phone.pk])
    owner_client.post(url, {"section": "field-move", "variable": why.pk, "direction": "up"})
    assert list(phone.variables.order_by("order").values_list("name", flat=True)) == ["model", "why", "storage"]

    page = owner_client.get(url).content.decode()
    assert "Shown when Model is Pro" in page
    services.order(phone, requester_a, {"model": "Pro", "storage": "256 GB"})
    with pytest.raises(ValidationError) as caught:
        services.order(phone, requester_a, {"model": "Pro"})
    assert caught.value.message_dict == {"storage": ["This field is required."]}
    assert services.order(phone, requester_a, {"model": "Basic"}).items.get().answers == {"model": "Basic"}


def test_a_field_another_depends_on_is_not_removed_and_an_edit_keeps_its_key(owner_client, phone):
    add_field(owner_client, phone, label="Model", var_type="choice", choices="Basic\nPro")
    model = phone.variables.get()
    add_field(owner_client, phone, label="Storage", var_type="text", show_when=model.pk, show_when_value="Pro")
    url = reverse("catalog-builder-item", args=[phone.pk])
    answer = owner_client.post(url, {"section": "field-delete", "variable": model.pk}, follow=True)
    assert "“Model” shows Storage: change their condition first." in answer.content.decode()
    assert phone.variables.count() == 2
    form = owner_client.get(url, {"edit": model.pk}).content.decode()
    assert "Change “Model”" in form
    owner_client.post(url, {"section": "field", "variable": model.pk, "field-label": "Phone model",
                            "field-var_type": "choice", "field-choices": "Basic\nPro\nMax", "field-name": "model"})
    model.refresh_from_db()
    assert (model.label, model.name, model.choice_list()) == ("Phone model", "model", ["Basic", "Pro", "Max"])
    storage = phone.variables.get(name="storage")
    owner_client.post(url, {"section": "field-delete", "variable": storage.pk})
    assert list(phone.variables.values_list("name", flat=True)) == ["model"]


def test_approvals_and_a_plan_of_parallel_tasks_are_built_and_run(owner_client, phone, requester_a, manager,
                                                                   team_network, agent_a):
    url = reverse("catalog-builder-item", args=[phone.pk])
    answer = owner_client.post(url, {"section": "approval", "approval-approver": "group", "approval-rule": "any"})
    assert answer.status_code == 400 and answer.context["approval_form"].errors["group"]
    answer = owner_client.post(url, {"section": "approval", "approval-approver": "system_owner",
                                     "approval-rule": "any"})
    assert "Only an access item has a system owner." in answer.context["approval_form"].errors["approver"]
    group = ApproverGroup.objects.create(name="Phone budget")
    group.members.set([agent_a])
    owner_client.post(url, {"section": "approval", "approval-approver": "group", "approval-group": group.pk,
                            "approval-rule": "any"})
    for stage, title, team in [(1, "Order the phone", ""), (1, "Add the line", team_network.pk),
                               (2, "Hand it over", "")]:
        assert owner_client.post(url, {"section": "step", "step-stage": stage, "step-title": title,
                                       "step-team": team}).status_code == 302
    page = owner_client.get(url).content.decode()
    assert "2 tasks in parallel" in page and "Phone budget (any one approver)" in page

    item = services.order(phone, requester_a, {}).items.get()
    assert item.state == ItemState.APPROVAL and [a.name for a in item.approvals.all()] == ["Phone budget"]
    from core import approvals
    from core.models import ApprovalVote

    approvals.decide(ApprovalVote.objects.get(approval__ticket_id=item.pk), agent_a, approve=True)
    assert sorted(item.tasks.values_list("title", flat=True)) == ["Add the line", "Order the phone"]

    step = phone.approval_steps.get()
    owner_client.post(url, {"section": "approval-delete", "step": step.pk})
    assert not phone.approval_steps.exists()
    assert owner_client.post(url, {"section": "step-delete", "step": 999999}).status_code == 404
    assert owner_client.post(url, {"section": "nonsense"}).status_code == 404


def test_the_preview_draws_the_portal_form_with_ordering_off(owner_client, phone):
    add_field(owner_client, phone, label="Model", var_type="choice", choices="Basic\nPro")
    phone.active = False
    phone.save()
    page = owner_client.get(reverse("catalog-builder-preview", args=[phone.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'name="v-model"' in text
    assert "this item is retired" in text and 'data-testid="order" disabled' in text


@pytest.mark.parametrize("who", ["requester_a", "agent_a"])
def test_only_service_owners_build_the_catalog(request, client, phone, who):
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("catalog-builder"), reverse("catalog-builder-item", args=[phone.pk]),
                reverse("catalog-builder-preview", args=[phone.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("catalog-builder-item", args=[phone.pk]),
                       {"section": "item", "item-name": "Hacked"}).status_code == 403
    phone.refresh_from_db()
    assert phone.name == "Mobile phone"


def test_the_builder_page_costs_the_same_queries_for_3_or_12_fields(owner_client, phone):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse("catalog-builder-item", args=[phone.pk])).status_code == 200
        return len(captured)

    for n in range(3):
        add_field(owner_client, phone, label=f"Field {n}")
    few = count()
    first = phone.variables.first()
    for n in range(3, 12):
        add_field(owner_client, phone, label=f"Field {n}", show_when=first.pk, show_when_value="x")
    assert count() == few


def test_a_category_is_added_inside_another_and_changed(owner_client, hardware):
    url = reverse("catalog-builder")
    assert owner_client.post(url, {"category-name": "", "category-icon": "key", "category-order": 0}).status_code \
        == 400
    answer = owner_client.post(url, {"category-name": "Phones", "category-parent": hardware.pk,
                                     "category-icon": "phone", "category-order": 1, "category-active": "on"})
    assert answer.status_code == 302
    phones = CatalogCategory.objects.get(name="Phones")
    assert (phones.slug, phones.parent, phones.icon) == ("phones", hardware, "phone")
    page = owner_client.get(url, {"category": phones.pk}).content.decode()
    assert "Change the category “Phones”" in page
    owner_client.post(url, {"category": phones.pk, "category-name": "Mobile phones", "category-icon": "phone",
                            "category-order": 1})
    phones.refresh_from_db()
    assert (phones.name, phones.slug, phones.parent, phones.active) == ("Mobile phones", "phones", None, False)
    nested = owner_client.post(url, {"category": hardware.pk, "category-name": "Hardware", "category-parent":
                                     hardware.pk, "category-icon": "laptop", "category-order": 0})
    assert nested.status_code == 400  # not inside itself
