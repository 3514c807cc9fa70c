"""The surveys' pages for signed-in people:

- the portal's rating card on a resolved ticket's page (htmx: loaded after the page; the requester invited rates
  it or changes their answer; nothing for anyone else) and the NPS card on the portal home;
- the agent's satisfaction panel on a resolved ticket's page (the score and comment; the desk only);
- the manager's surveys report (/manager/surveys/): CSAT per month (average, distribution, response rate), low
  scores with their comments and tickets, NPS per round, organization and service; `?month=YYYY-MM` lists the
  answers of one month (the KPI dashboard's drill-down). Every figure is counted in SQL (surveys.figures).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core import clock, kinds
from core.models import Ticket
from core.permissions import permission_required
from surveys import figures, services
from surveys.forms import CsatForm, NpsForm
from surveys.models import CsatAnswer, NpsInvitation, NpsRound, SurveySettings

REPORT_MONTHS = 12
LOW_SHOWN = 50
MONTH_SHOWN = 200


def _portal_ticket(request: HttpRequest, number: str) -> Ticket:
    return get_object_or_404(Ticket.objects.visible_to(request.user).select_related("csat_answer"), number=number)


def _portal_url(ticket: Ticket, user: Any) -> str:
    return kinds.of(ticket).portal_urls([ticket], user).get(ticket.number, "")


@require_http_methods(["GET", "POST"])
@permission_required("portal.use")
def portal_csat(request: HttpRequest, number: str) -> HttpResponse:
    """GET (htmx): the rating card of a resolved ticket for its requester, when they were invited; empty for
    anyone else. POST: their answer (the first, or a change), back to the ticket's page."""
    ticket = _portal_ticket(request, number)
    invitation = services.open_invitation(ticket, request.user)
    if invitation is None or ticket.requester_id != request.user.pk:
        if request.method == "POST":
            raise PermissionDenied("Only the requester rates this ticket.")
        return HttpResponse("")
    answer = getattr(ticket, "csat_answer", None)
    can_reopen = bool(services.reopen_target(ticket))
    if request.method == "POST":
        form = CsatForm(request.POST, can_reopen=can_reopen)
        if form.is_valid():
            try:
                services.answer_csat(invitation, request.user, form.cleaned_data["score"],
                                     form.cleaned_data["comment"], reopen=form.cleaned_data.get("reopen", False))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                reopened = form.cleaned_data.get("reopen")
                messages.success(request, f"Thank you for rating {ticket.number}."
                                 + (" We reopened it: the desk is on it again." if reopened else ""))
                return redirect(_portal_url(ticket, request.user) or "portal-home")
        return render(request, "surveys/portal_csat_page.html", {"ticket": ticket, "form": form, "answer": answer},
                      status=400)
    initial = {"score": answer.score, "comment": answer.comment} if answer else {}
    return render(request, "surveys/_portal_csat.html", {
        "ticket": ticket, "answer": answer, "form": CsatForm(initial=initial, can_reopen=can_reopen)})


@require_http_methods(["GET", "POST"])
@permission_required("portal.use")
def portal_nps(request: HttpRequest) -> HttpResponse:
    """GET (htmx): the NPS card of the portal home while the user has an unanswered invitation of the running
    round; empty otherwise. POST: the answer."""
    invitation = services.open_nps_invitation(request.user)
    if request.method == "GET":
        if invitation is None or invitation.answered_at is not None:
            return HttpResponse("")
        return render(request, "surveys/_portal_nps.html", {"invitation": invitation, "form": NpsForm()})
    if invitation is None:
        raise PermissionDenied("You have no NPS survey to answer.")
    form = NpsForm(request.POST)
    if form.is_valid():
        services.answer_nps(invitation, request.user, form.cleaned_data["score"], form.cleaned_data["comment"])
        messages.success(request, "Thank you for your answer.")
        return redirect("portal-home")
    return render(request, "surveys/portal_nps_page.html", {"invitation": invitation, "form": form}, status=400)


def side_panels(ticket: Ticket, user: Any) -> list[dict[str, Any]]:
    """The satisfaction panel's shell on the agent page of a resolved incident or request (no query)."""
    from accounts.roles import can

    kind = kinds.find(ticket.kind)
    if kind is None or ticket.kind not in ("incident", "request") or not can(user, "tickets.work"):
        return []
    if not kind.workflow.is_resolved(ticket.state):
        return []
    return [{"template": "surveys/_agent_panel.html", "number": ticket.number, "top": True}]


@permission_required("tickets.work")
def agent_csat(request: HttpRequest, number: str) -> HttpResponse:
    """The panel's content (htmx): the answer (score, comment, reopen asked), or whether the requester was asked."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user)
                               .select_related("requester", "csat_invitation", "csat_answer"), number=number)
    return render(request, "surveys/_agent_csat.html", {
        "ticket": ticket, "invitation": getattr(ticket, "csat_invitation", None),
        "answer": getattr(ticket, "csat_answer", None)})


def _month(value: str) -> date | None:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        return None


@permission_required("dashboards.view")
def report(request: HttpRequest) -> HttpResponse:
    """The surveys report (see the module docstring); a bad `month` is a 400 naming it."""
    today = clock.now().astimezone(figures.zone()).date()
    until = today.replace(day=1)
    since = until
    for _ in range(REPORT_MONTHS - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    month_text = request.GET.get("month", "")
    month = _month(month_text) if month_text else None
    if month_text and month is None:
        return render(request, "surveys/report_error.html", {"error": "month: give a month as YYYY-MM."}, status=400)
    config = SurveySettings.current()
    rows = figures.csat_by_month(request.user, since, until)
    answers = sum(row["answers"] for row in rows)
    invited = sum(row["invited"] for row in rows)
    responded = sum(row["responded"] for row in rows)
    average = (round(sum((row["average"] or 0) * row["answers"] for row in rows) / answers, 2) if answers else None)
    visible = figures.csat_answers(request.user).select_related("ticket", "person")
    start = figures.month_start(month or since)
    end = figures.month_start(figures.next_month(month or until))
    low = list(visible.filter(score__lte=config.low_score_threshold, answered_at__gte=start, answered_at__lt=end)
               .order_by("-answered_at")[:LOW_SHOWN])
    month_answers: list[CsatAnswer] = []
    month_nps: list[NpsInvitation] = []
    if month:
        month_answers = list(visible.filter(answered_at__gte=start, answered_at__lt=end)
                             .order_by("-answered_at")[:MONTH_SHOWN])
        month_nps = list(NpsInvitation.objects.filter(answered_at__gte=start, answered_at__lt=end)
                         .select_related("person", "organization", "service").order_by("-answered_at")[:MONTH_SHOWN])
    rounds = figures.nps_by_round()
    round_id = rounds[0]["round_id"] if rounds else None
    latest = NpsRound.objects.filter(pk=round_id).first() if round_id else None
    for line in [*low, *month_answers]:
        line.ticket_url = kinds.agent_url_of(line.ticket)  # type: ignore[attr-defined]
    return render(request, "surveys/report.html", {
        "rows": rows, "answers": answers, "invited": invited, "average": average,
        "response_rate": round(100 * responded / invited, 1) if invited else None,
        "since": since, "until": until, "month": month, "low": low, "threshold": config.low_score_threshold,
        "month_answers": month_answers, "month_nps": month_nps, "rounds": rounds, "latest_round": latest,
        "breakdowns": [("Organization", figures.nps_breakdown(round_id, "organization")),
                       ("Service", figures.nps_breakdown(round_id, "service"))],
        "max_answers": max((row["answers"] for row in rows), default=0)})
