"""The signed survey links of the e-mails: one per invitation, for people who do not sign in (a requester rating a
resolution from their phone). A link names its invitation and person, works for `SurveySettings.link_days` and
once (the invitation's `link_used_at`); a forged, altered or expired link is 404. Signed in, the requester changes
their answer on the portal instead."""

from __future__ import annotations

from django.core import signing
from django.http import Http404
from django.urls import reverse

from core.notifications import site_link
from surveys.models import CsatInvitation, NpsInvitation, SurveySettings

CSAT_SALT = "surveys.csat-link"
NPS_SALT = "surveys.nps-link"


def csat_token(invitation: CsatInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "p": invitation.person_id}, salt=CSAT_SALT, compress=True)


def nps_token(invitation: NpsInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "p": invitation.person_id}, salt=NPS_SALT, compress=True)


def csat_url(invitation: CsatInvitation, score: int | None = None) -> str:
    """The absolute address of the invitation's survey page (`score` preselected: the mail's 1-5 links)."""
    path = reverse("survey-csat-link", args=[csat_token(invitation)])
    return site_link(path + (f"?score={score}" if score else ""))


def nps_url(invitation: NpsInvitation) -> str:
    return site_link(reverse("survey-nps-link", args=[nps_token(invitation)]))


def _payload(token: str, salt: str, link_days: int) -> dict[str, int]:
    try:
        data = signing.loads(token, salt=salt, max_age=link_days * 86400)
    except signing.BadSignature:  # SignatureExpired is one
        raise Http404("This survey link is not valid (or has expired).") from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("p"), int):
        raise Http404("This survey link is not valid.")
    return {"i": data["i"], "p": data["p"]}


def csat_invitation_of(token: str) -> CsatInvitation:
    """The CSAT invitation a link names, or 404 (forged, altered, expired, or gone)."""
    data = _payload(token, CSAT_SALT, SurveySettings.current().link_days)
    invitation = (CsatInvitation.objects.select_related("ticket", "person", "answer")
                  .filter(pk=data["i"], person_id=data["p"]).first())
    if invitation is None:
        raise Http404("This survey link is not valid.")
    return invitation


def nps_invitation_of(token: str) -> NpsInvitation:
    """The NPS invitation a link names, or 404."""
    data = _payload(token, NPS_SALT, SurveySettings.current().link_days)
    invitation = (NpsInvitation.objects.select_related("round", "person")
                  .filter(pk=data["i"], person_id=data["p"]).first())
    if invitation is None:
        raise Http404("This survey link is not valid.")
    return invitation
