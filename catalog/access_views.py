"""The access register in the browser: "My access" in the portal (what one has, giving it up) and the desk's
register of who has which access (filters, revoking with a reason)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import grants
from catalog.models import AccessGrant, AccessSystem, GrantState
from core.pagination import CappedPaginator, page_numbers
from core.permissions import permission_required

PAGE_SIZE = 50
EXPIRING_DAYS = 30


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=500, widget=forms.TextInput(
        attrs={"placeholder": "Left the team, no longer needed…"}))


class RegisterFilter(forms.Form):
    """The register's filters: a system, a person (name, user name or e-mail), a state, expiring soon."""

    q = forms.CharField(label="Person", required=False, max_length=100)
    system = forms.ModelChoiceField(label="System", required=False, empty_label="All systems",
                                    queryset=AccessSystem.objects.order_by("name"))
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any state"), *GrantState.choices])
    expiring = forms.BooleanField(label=f"Ending within {EXPIRING_DAYS} days", required=False)

    def apply(self, grants_qs: QuerySet[AccessGrant]) -> QuerySet[AccessGrant]:
        if not self.is_valid():
            return grants_qs.none()
        data = self.cleaned_data
        if data["q"]:
            words = data["q"].strip()
            grants_qs = grants_qs.filter(Q(person__username__icontains=words) | Q(person__email__icontains=words)
                                         | Q(person__first_name__icontains=words)
                                         | Q(person__last_name__icontains=words))
        if data["system"]:
            grants_qs = grants_qs.filter(system=data["system"])
        if data["state"]:
            grants_qs = grants_qs.filter(state=data["state"])
        if data["expiring"]:
            today = timezone.localdate()
            grants_qs = grants_qs.filter(state=GrantState.ACTIVE, until__gte=today,
                                         until__lte=today + timedelta(days=EXPIRING_DAYS))
        return grants_qs


def register_rows() -> QuerySet[AccessGrant]:
    return AccessGrant.objects.select_related("person", "system", "requested_item", "revoke_item", "granted_by",
                                              "revoked_by")


@permission_required("tickets.work")
def register(request: HttpRequest) -> HttpResponse:
    """Who has (had, asked for) which access: active access first by default, newest first."""
    params = request.GET.copy()
    if "state" not in params:
        params["state"] = GrantState.ACTIVE
    filters = RegisterFilter(params)
    rows = filters.apply(register_rows()).order_by("system__name", "person__last_name", "person__first_name", "pk")
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "agent/access_register.html", {
        "filters": filters, "page": page, "page_numbers": page_numbers(page), "revoke_form": RevokeForm(),
        "today": timezone.localdate()})


@require_POST
@permission_required("tickets.work")
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk revokes one access: a revoke request for its holder, its task to the system's team."""
    grant = AccessGrant.objects.filter(pk=pk).first()
    if grant is None:
        raise Http404("No such access.")
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the access is revoked.")
        return redirect("agent-access-register")
    try:
        order = grants.request_revoke(grant, request.user, form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Revoking {grants.grant_label(grant)} of {grant.person.display_name}: "
                                  f"{order.number}.")
    return redirect("agent-access-register")


def my_grants(user: Any) -> QuerySet[AccessGrant]:
    return AccessGrant.objects.filter(person_id=user.pk).select_related(
        "system", "requested_item__parent_request", "revoke_item__parent_request")


@permission_required("portal.use")
def my_access(request: HttpRequest) -> HttpResponse:
    """The user's access: what they have (until when), what they asked for, and what ended."""
    rows = list(my_grants(request.user).order_by("system__name", "-pk")[:200])
    current = [g for g in rows if g.state in (GrantState.ACTIVE, GrantState.REQUESTED)]
    ended = [g for g in rows if g.state not in (GrantState.ACTIVE, GrantState.REQUESTED)]
    return render(request, "portal/my_access.html", {"current": current, "ended": ended[:50],
                                                     "today": timezone.localdate()})


@require_POST
@permission_required("portal.use")
def give_up(request: HttpRequest, pk: int) -> HttpResponse:
    """The user gives up one of their access: a revoke request, no approval needed."""
    grant = my_grants(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404("No such access.")
    try:
        order = grants.request_revoke(grant, request.user, "No longer needed (given up by its holder).")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal-access")
    messages.success(request, f"Your access to {grant.system.name} is being revoked: follow {order.number}.")
    return redirect("portal-request", number=order.number)
