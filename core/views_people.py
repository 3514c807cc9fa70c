"""The people picker's on-demand search (htmx): a short list of radio buttons to choose one person from."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from core.models import Ticket
from core.people import MIN_QUERY, search_people


@login_required
@require_GET
def people_search(request: HttpRequest) -> HttpResponse:
    """`?q=` words of a name, username or e-mail; `?ticket=` a number, to point out people of another
    organization than the ticket's; `?name=` the radio buttons' field name (default `user`)."""
    query = request.GET.get("q", "")[:200]
    number = request.GET.get("ticket", "")[:16].strip().upper()
    ticket = Ticket.objects.visible_to(request.user).filter(number=number).first() if number else None
    name = request.GET.get("name", "user")
    return render(request, "components/people_options.html", {
        "people": search_people(cast(User, request.user), query), "query": query, "min_query": MIN_QUERY,
        "ticket": ticket, "name": name if name.isidentifier() else "user",
    })
