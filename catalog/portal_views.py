"""The catalog in the portal: browse it by category or search it, open an item and order it with its form (the
fields that depend on another appear and disappear without a reload: static/js/catalog-form.js), follow "My
requests" and one request's items and conversation. Orders go through catalog.services.order, as the API's do."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import Role, can, has_role
from catalog import grants, services
from catalog.choices import ItemState, RequestState
from catalog.models import CatalogCategory, CatalogItem, Request, Variable, VariableType
from catalog.variables import shown
from core import access, kept_uploads
from core import services as core
from core.limits import TEXT_MAX_LENGTH
from core.models import JournalEntry, JournalKind
from core.pagination import CappedPaginator, page_numbers
from core.permissions import permission_required
from core.views_attachments import visible_attachments

PAGE_SIZE = 20
STATUS_TEXT = {RequestState.OPEN: "Received", RequestState.IN_PROGRESS: "Being prepared",
               RequestState.CLOSED: "Delivered", RequestState.CANCELLED: "Cancelled"}


@permission_required("portal.use")
def browse(request: HttpRequest) -> HttpResponse:
    """The catalog: its top categories with what they hold, the items of one category, or a search."""
    items = services.orderable(request.user).select_related("category")
    query = request.GET.get("q", "").strip()[:100]
    category = None
    if request.GET.get("category"):
        category = CatalogCategory.objects.filter(slug=request.GET["category"], active=True).first()
        if category is None:
            raise Http404("No such category.")
        items = items.filter(Q(category=category) | Q(category__parent=category))
    if query:
        items = items.filter(Q(name__icontains=query) | Q(short_description__icontains=query)
                             | Q(category__name__icontains=query))
    counts = dict(services.orderable(request.user).values_list("category__parent_id").annotate(n=Count("pk"))
                  .values_list("category__parent_id", "n"))
    own = dict(services.orderable(request.user).values_list("category_id").annotate(n=Count("pk"))
               .values_list("category_id", "n"))
    categories = [(c, own.get(c.pk, 0) + counts.get(c.pk, 0)) for c in
                  CatalogCategory.objects.filter(active=True, parent__isnull=True)]
    return render(request, "portal/catalog.html", {
        "categories": [(c, n) for c, n in categories if n], "items": items.order_by("category__order", "order",
                                                                                    "name")[:200],
        "category": category, "query": query})


def field_rows(variables: list[Variable], raw: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """What the form template draws for each variable: its input's value and its errors; conditions as data. A
    file accepted in a form sent back with other errors is kept (core.kept_uploads): not chosen again."""
    visible = {v.pk for v in shown(variables, raw)}
    rows = []
    for variable in variables:
        value = raw.get(variable.name, variable.default if not raw else None)
        if variable.var_type == VariableType.ATTACHMENT:
            upload = value if isinstance(value, UploadedFile) and variable.name not in errors else None
            rows.append({"v": variable, "value": None, "values": [], "errors": errors.get(variable.name, []),
                         "hidden": variable.pk not in visible, "choices": [],
                         "kept": (kept_uploads.keep(upload), upload.name) if upload is not None else None,
                         "parent": variable.show_when.name if variable.show_when_id and variable.show_when else ""})
            continue
        rows.append({"v": variable, "value": value, "values": value if isinstance(value, list) else [value],
                     "errors": errors.get(variable.name, []), "hidden": variable.pk not in visible,
                     "choices": variable.choice_list(),
                     "parent": variable.show_when.name if variable.show_when_id and variable.show_when else ""})
    return rows


def raw_answers(variables: list[Variable], post: QueryDict, files: Any = None) -> dict[str, Any]:
    """The answers a browser sent: lists for multiple choices, a checkbox's absence as "no", a file chosen (or
    kept from the last attempt); fields the page hid (disabled) are not sent, so they are not answers."""
    answers: dict[str, Any] = {}
    for variable in variables:
        key = f"v-{variable.name}"
        if variable.var_type == VariableType.ATTACHMENT:
            chosen = files.get(key) if files is not None else None
            if chosen is None and post.get(f"{key}-kept"):
                kept = kept_uploads.restore(post[f"{key}-kept"])
                chosen = kept if isinstance(kept, UploadedFile) else None
            if chosen is not None:
                answers[variable.name] = chosen
        elif variable.var_type == VariableType.MULTI_CHOICE:
            if post.getlist(key):
                answers[variable.name] = post.getlist(key)
        elif variable.var_type == VariableType.BOOLEAN:
            if f"{key}-present" in post:
                answers[variable.name] = key in post
        elif key in post:
            answers[variable.name] = post[key][:TEXT_MAX_LENGTH]
    return answers


@permission_required("portal.use")
def item_page(request: HttpRequest, slug: str) -> HttpResponse:
    """An item and its form; ordering it (for oneself, or for someone else by the desk)."""
    item = get_object_or_404(services.orderable(request.user).select_related("category", "service",
                                                                              "access_system"), slug=slug)
    variables = grants.form_variables(item, request.user)
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for_someone = has_role(request.user, Role.AGENT)
    status = 200
    if request.method == "POST":
        raw = raw_answers(variables, request.POST, request.FILES)
        person = None
        if for_someone and request.POST.get("requested_for", "").isdigit():
            person = User.objects.filter(pk=int(request.POST["requested_for"]), is_active=True).first()
        try:
            ticket = services.order(item, request.user, raw, requested_for=person)
        except ValidationError as exc:
            errors = exc.message_dict
            status = 400
        except PermissionDenied:
            raise Http404("No such item.") from None
        else:
            if ticket.kind == "incident":
                messages.success(request, f"Thank you: recorded as {ticket.number}. We will keep you posted here "
                                          "and by e-mail.")
                return redirect("portal-incident", number=ticket.number)
            messages.success(request, f"Ordered: your request is {ticket.number}. Follow it here.")
            return redirect("portal-request", number=ticket.number)
    return render(request, "portal/catalog_item.html", {
        "item": item, "rows": field_rows(variables, raw, errors), "errors": errors, "for_someone": for_someone,
        "people": User.objects.filter(is_active=True).order_by("first_name", "last_name")[:500] if for_someone
        else []}, status=status)


PICTURE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def item_picture(request: HttpRequest, slug: str) -> HttpResponse:
    """An item's picture, for whoever may order it (and the catalog's builders); any other is 404."""
    if not request.user.is_authenticated:
        raise Http404("No such picture.")
    items = CatalogItem.objects.all() if can(request.user, "catalog.manage") else services.orderable(request.user)
    item = get_object_or_404(items, slug=slug)
    extension = item.picture.name.rsplit(".", 1)[-1].lower() if item.picture else ""
    if extension not in PICTURE_TYPES:
        raise Http404("No such picture.")
    try:
        handle = item.picture.open("rb")
    except FileNotFoundError:
        raise Http404("No such picture.") from None
    response = FileResponse(handle, content_type=PICTURE_TYPES[extension])
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def my_requests_queryset(user: Any) -> Any:
    requests = Request.objects.visible_to(user)
    return requests if not has_role(user, Role.AGENT) else requests.filter(
        Q(requester_id=user.pk) | Q(opened_by_id=user.pk))


@permission_required("portal.use")
def my_requests(request: HttpRequest) -> HttpResponse:
    """The user's requests, newest update first, each with its status in words."""
    qs = my_requests_queryset(request.user).select_related("requester").order_by("-updated_at", "-id")
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.status_text = STATUS_TEXT.get(row.state, row.get_state_display())
    return render(request, "portal/my_requests.html", {"page": page, "page_numbers": page_numbers(page)})


@permission_required("portal.use")
def request_page(request: HttpRequest, number: str) -> HttpResponse:
    """One request: its items, their state and answers, and the public conversation (never work notes)."""
    order = get_object_or_404(Request.objects.visible_to(request.user).select_related("requester", "opened_by"),
                              number=number)
    items = list(order.items.select_related("catalog_item", "assignee"))
    files: dict[int, list[Any]] = {}
    for attachment in visible_attachments(request.user).filter(ticket_id__in=[i.pk for i in items]).order_by("pk"):
        files.setdefault(attachment.ticket_id, []).append(attachment)
    for item in items:
        item.files = files.get(item.pk, [])
    comments = (JournalEntry.objects.filter(ticket_id=order.pk, kind=JournalKind.COMMENT, internal=False)
                .select_related("actor").order_by("created_at", "id"))
    return render(request, "portal/request_detail.html", {
        "order": order, "items": items, "comments": comments,
        "status_text": STATUS_TEXT.get(order.state, order.get_state_display()),
        "item_states": dict(ItemState.choices), "can_reply": access.may(request.user, "comment", order)})


@require_POST
@permission_required("portal.use")
def reply(request: HttpRequest, number: str) -> HttpResponse:
    """A public comment on one's request."""
    order = get_object_or_404(Request.objects.visible_to(request.user), number=number)
    body = request.POST.get("body", "").strip()
    if not body:
        messages.error(request, "Write your message first.")
    elif len(body) > TEXT_MAX_LENGTH:
        messages.error(request, f"At most {TEXT_MAX_LENGTH} characters.")
    elif not access.may(request.user, "comment", order):
        messages.error(request, "This request is closed: order again if you need more.")
    else:
        core.add_comment(order, request.user, body)
        messages.success(request, "Sent: the service desk reads it.")
    return redirect("portal-request", number=number)
