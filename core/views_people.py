"""The people pickers' on-demand parts (htmx): the search of a person (radio buttons to choose one from), and
the assignee options of the team chosen in a form."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from core.models import Ticket, user_team_ids
from core.people import MIN_QUERY, assignee_choices, search_people, team_ids
from core.permissions import permission_required


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


@permission_required("tickets.work")
@require_GET
def assignees(request: HttpRequest) -> HttpResponse:
    """The options of an assignee select for `?team=` (htmx swaps them in when the team select changes): its
    agents. Without a team, none (a ticket's assignee needs a team), or with `?fallback=mine` the agents of the
    user's own teams (a bulk assignment that keeps each ticket's team). `?blank=` is the empty option's text."""
    teams = team_ids(request.GET.get("team"))
    if not teams and request.GET.get("fallback") == "mine":
        teams = user_team_ids(request.user)
    blank = request.GET.get("blank", "Unassigned")[:40]
    return render(request, "components/assignee_options.html", {"choices": assignee_choices(teams, blank=blank)})
