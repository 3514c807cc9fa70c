"""Files in the catalog: a form's file field (chosen in the portal, kept when the form comes back with another
error, sent through the API in base 64, refused alike when empty, too large or not a file, attached to what the
order raised) and item pictures (uploaded in the builder, refused when not a picture, shown to who may order the
item only)."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import CatalogCategory, CatalogItem, VariableType
from core.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def expense(db):
    category = CatalogCategory.objects.create(name="Finance", slug="finance")
    item = CatalogItem.objects.create(name="Expense claim", slug="expense", category=category,
                                      short_description="Get paid back.")
    item.variables.create(name="amount", label="Amount", var_type=VariableType.NUMBER, required=True, order=1)
    item.variables.create(name="receipt", label="Receipt", var_type=VariableType.ATTACHMENT, required=True, order=2)
    return item


def png_bytes(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_a_file_is_chosen_in_the_portal_kept_after_an_error_and_attached(client, expense, requester_a):
    client.force_login(requester_a)
    url = reverse("portal-catalog-item", args=[expense.slug])
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    receipt = SimpleUploadedFile("taxi.pdf", b"%PDF-1.4 taxi", content_type="application/pdf")
    refused = client.post(url, {"v-amount": "lots", "v-receipt": receipt})
    assert refused.status_code == 400
    assert refused.context["errors"] == {"amount": ["Enter a number."]}
    kept = next(row["kept"] for row in refused.context["rows"] if row["v"].name == "receipt")
    assert kept[1] == "taxi.pdf"

    answer = client.post(url, {"v-amount": "42.50", "v-receipt-kept": kept[0]})  # not chosen again
    assert answer.status_code == 302
    attachment = Attachment.objects.get()
    item = attachment.ticket.requesteditem
    assert (attachment.filename, attachment.file.read()) == ("taxi.pdf", b"%PDF-1.4 taxi")
    assert item.answers == {"amount": "42.5", "receipt": "taxi.pdf"}
    assert "Receipt: taxi.pdf" in item.description
    page = client.get(reverse("portal-request", args=[item.parent_request.number])).content.decode()
    assert reverse("attachment-download", args=[attachment.pk]) in page
    assert client.get(reverse("attachment-download", args=[attachment.pk])).status_code == 200


def test_the_api_sends_a_file_in_base_64_and_is_refused_like_the_portal(client, token_client, expense,
                                                                        requester_a, settings):
    api = token_client(requester_a)
    url = f"/api/v1/catalog/items/{expense.pk}/order/"
    form = api.get(f"/api/v1/catalog/items/{expense.pk}/").json()["form"]
    assert [(f["name"], f["type"]) for f in form] == [("amount", "number"), ("receipt", "attachment")]
    for bad, message in [("a file", "Choose a file"),
                         ({"name": "x.pdf", "content_base64": "%%%"}, "is not base 64"),
                         ({"name": "x.pdf", "content_base64": ""}, "“x.pdf” is empty.")]:
        answer = api.post(url, {"answers": {"amount": "1", "receipt": bad}}, format="json")
        assert answer.status_code == 400 and message in answer.json()["receipt"][0]
    settings.ATTACHMENT_MAX_BYTES = 10
    too_big = api.post(url, {"answers": {"amount": "1", "receipt": {
        "name": "big.pdf", "content_base64": base64.b64encode(b"x" * 30).decode()}}}, format="json")
    client.force_login(requester_a)
    portal = client.post(reverse("portal-catalog-item", args=[expense.slug]), {
        "v-amount": "1", "v-receipt": SimpleUploadedFile("big.pdf", b"x" * 30)})
    assert too_big.json()["receipt"] == portal.context["errors"]["receipt"]
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024

    made = api.post(url, {"answers": {"amount": "9", "receipt": {
        "name": "hotel.pdf", "content_base64": base64.b64encode(b"hotel bill").decode(),
        "content_type": "application/pdf"}}}, format="json")
    assert made.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == ("hotel.pdf", "application/pdf", 10)
    assert not Attachment.objects.filter(filename="big.pdf").exists()


def test_a_hidden_file_field_is_neither_required_nor_attached(token_client, expense, requester_a):
    amount = expense.variables.get(name="amount")
    expense.variables.filter(name="receipt").update(show_when=amount, show_when_value="100")
    api = token_client(requester_a)
    made = api.post(f"/api/v1/catalog/items/{expense.pk}/order/", {"answers": {"amount": "5", "receipt": {
        "name": "ignored.pdf", "content_base64": base64.b64encode(b"x").decode()}}}, format="json")
    assert made.status_code == 201 and not Attachment.objects.exists()


def test_a_picture_is_uploaded_checked_and_shown_to_who_may_order(client, manager, requester_a, expense):
    client.force_login(manager)
    url = reverse("catalog-builder-item", args=[expense.pk])
    fields = {"section": "item", "item-name": "Expense claim", "item-slug": "expense",
              "item-category": expense.category_id, "item-item_type": "request",
              "item-short_description": "Get paid back.", "item-audience": "everyone", "item-order": 0,
              "item-active": "on"}
    refused = client.post(url, {**fields, "item-picture": SimpleUploadedFile("evil.svg", b"<svg onload=alert(1)>",
                                                                              content_type="image/svg+xml")})
    assert refused.status_code == 400 and refused.context["item_form"].errors["picture"]
    assert client.post(url, {**fields, "item-picture": SimpleUploadedFile("receipt.png", png_bytes())}).status_code \
        == 302
    expense.refresh_from_db()
    assert expense.picture.name.endswith(".png")

    client.force_login(requester_a)
    picture = client.get(reverse("portal-catalog-picture", args=[expense.slug]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == png_bytes()
    assert reverse("portal-catalog-picture", args=[expense.slug]) in client.get(reverse("portal-catalog")).content \
        .decode()
    expense.active = False
    expense.save()
    assert client.get(reverse("portal-catalog-picture", args=[expense.slug])).status_code == 404
