"""The pages the survey e-mails link to, which work without signing in: rate a resolved ticket (1-5, a comment,
"reopen my ticket") or answer the NPS question (0-10). Each link answers once; a forged, altered or expired
link, or a link opened while signed in as someone else, is 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core import kinds
from surveys import links, services
from surveys.forms import CsatForm, NpsForm


def _refuse_someone_else(request: HttpRequest, person_id: int) -> None:
    if request.user.is_authenticated and request.user.pk != person_id:
        raise Http404("This survey link was sent to someone else.")


def _errors_to_form(form: CsatForm | NpsForm, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_http_methods(["GET", "POST"])
def csat_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the question, the score from the mail's link chosen (opening records nothing: mail scanners open
    links). POST: the answer, once."""
    invitation = links.csat_invitation_of(token)
    _refuse_someone_else(request, invitation.person_id)
    ticket = invitation.ticket
    kind = kinds.of(ticket)
    context = {"invitation": invitation, "ticket": ticket, "kind_label": kind.label,
               "portal_url": kind.portal_urls([ticket], invitation.person).get(ticket.number, "")}
    if invitation.link_used_at is not None:
        answer = getattr(invitation, "answer", None)
        return render(request, "surveys/link_used.html", {**context, "answer": answer}, status=410)
    can_reopen = bool(services.reopen_target(ticket))
    if request.method == "POST":
        form = CsatForm(request.POST, can_reopen=can_reopen)
        if form.is_valid():
            try:
                answer = services.answer_csat(invitation, invitation.person, form.cleaned_data["score"],
                                              form.cleaned_data["comment"],
                                              reopen=form.cleaned_data.get("reopen", False), by_link=True)
            except services.LinkUsed:
                return render(request, "surveys/link_used.html", {**context, "answer": None}, status=410)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                return render(request, "surveys/thanks.html", {**context, "answer": answer})
        return render(request, "surveys/csat_link.html", {**context, "form": form}, status=400)
    score = request.GET.get("score", "")
    form = CsatForm(initial={"score": int(score)} if score in {"1", "2", "3", "4", "5"} else {},
                    can_reopen=can_reopen)
    return render(request, "surveys/csat_link.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
def nps_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the NPS question. POST: the answer, once."""
    invitation = links.nps_invitation_of(token)
    _refuse_someone_else(request, invitation.person_id)
    context = {"invitation": invitation}
    if invitation.link_used_at is not None:
        return render(request, "surveys/link_used.html", {**context, "nps": True}, status=410)
    if request.method == "POST":
        form = NpsForm(request.POST)
        if form.is_valid():
            try:
                services.answer_nps(invitation, invitation.person, form.cleaned_data["score"],
                                    form.cleaned_data["comment"], by_link=True)
            except services.LinkUsed:
                return render(request, "surveys/link_used.html", {**context, "nps": True}, status=410)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                return render(request, "surveys/thanks.html", {**context, "nps": True})
        return render(request, "surveys/nps_link.html", {**context, "form": form}, status=400)
    return render(request, "surveys/nps_link.html", {**context, "form": NpsForm()})
