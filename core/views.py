"""The home page of each role, health, and the styled error pages."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.models import Organization, Team, User
from accounts.roles import Role
from core import approvals, health, kinds
from core.api.errors import is_api_request, json_error, json_under_api
from core.navigation import home_url_name
from core.notifications import undelivered_counts
from core.permissions import permission_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their role."""
    return redirect(home_url_name(request.user))


@permission_required("portal.use")
def portal_home(request: HttpRequest) -> HttpResponse:
    """The end user's portal: who they are, their organization and how the desk can be reached."""
    user = cast(User, request.user)
    service_desk = Team.objects.filter(slug="service-desk").first()
    recent = [ticket for kind in kinds.registered() for ticket in kind.portal_recent(user, 5)]
    recent = sorted(recent, key=lambda t: (t.updated_at, t.pk), reverse=True)[:5]
    return render(request, "portal/home.html", {
        "organization": user.organization, "service_desk": service_desk, "recent_incidents": recent,
        "approvals_waiting": approvals.waiting_for(user).count(),
    })


@permission_required("tickets.work")
def agent_home(request: HttpRequest) -> HttpResponse:
    """The agent's workspace: each kind's queues with counts (through the access rule), and their teams."""
    teams = (
        cast(User, request.user).teams.select_related("lead")
        .prefetch_related("members")
        .annotate(member_count=Count("members"))
    )
    return render(request, "agent/home.html", {
        "teams": teams, "queues": [q for kind in kinds.registered() for q in kind.queue_summaries(request.user)],
        "approvals_waiting": approvals.waiting_for(request.user).count(),
    })


@permission_required("dashboards.view")
def manager_home(request: HttpRequest) -> HttpResponse:
    """The manager's overview of the organisation of the desk: teams and their staffing, requesters by org."""
    teams = Team.objects.select_related("lead").annotate(
        member_count=Count("members", distinct=True),
        agent_count=Count("members", filter=Q(members__role=Role.AGENT), distinct=True),
    )
    organizations = Organization.objects.annotate(member_count=Count("members"))
    return render(request, "manager/home.html", {"teams": teams, "organizations": organizations})


@permission_required("admin.access")
def admin_home(request: HttpRequest) -> HttpResponse:
    """The administrator's console: users by role, system health, links to the admin and the API docs."""
    counts = dict(User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")))
    role_counts = [(role.label, counts.get(role.value, 0)) for role in Role]
    checks = health.run_checks()
    return render(
        request,
        "admin_console/home.html",
        {
            "role_counts": role_counts,
            "team_count": Team.objects.count(),
            "organization_count": Organization.objects.count(),
            "checks": checks,
            "undelivered_mail": undelivered_counts(),
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis, a worker and beat are all alive; 503 naming what is down otherwise."""
    checks = health.run_checks()
    ok = all(c["ok"] for c in checks.values())
    down = [name for name, c in checks.items() if not c["ok"]]
    body = {"status": "ok" if ok else "down", "down": down, "checks": checks}
    return JsonResponse(body, status=200 if ok else 503)


@json_under_api(400)
def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


@json_under_api(403)
def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


@json_under_api(404)
def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    """503 (JSON under /api/, with Retry-After) when the database is away; otherwise 500 (JSON under /api/).

    No context processors that touch the database: the failure may be the database itself."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.template import loader

    from core.api.exceptions import DATABASE_DOWN, RETRY_AFTER_SECONDS

    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):  # the database is away: 503, retry later
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse(DATABASE_DOWN, status=503)
        else:
            response = HttpResponse(loader.get_template("errors/500.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if is_api_request(request):
        return json_error(500)
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
