"""Sign-in, profile and API token pages."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm, ProfileForm, TokenCreateForm
from accounts.services import active_token_count, issue_token, revoke_token


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def tokens_text(count: int) -> str:
    return f"{count} API token{'' if count == 1 else 's'}"


def _token_counts(user) -> dict:
    count = active_token_count(user)
    return {"active_tokens": count, "active_tokens_text": tokens_text(count)}


class TokensRevokedMixin:
    """Password pages: say that a new password revokes the API tokens, and afterwards how many it revoked."""

    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = getattr(form.user, "revoked_token_count", 0)  # set by accounts.signals
        if revoked:
            messages.info(self.request, f"Your {tokens_text(revoked)} {'was' if revoked == 1 else 'were'} revoked: "
                                        "create new ones on your profile page.")
        return response


class PasswordChangeView(TokensRevokedMixin, auth_views.PasswordChangeView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_token_counts(self.request.user)}


class PasswordResetConfirmView(TokensRevokedMixin, auth_views.PasswordResetConfirmView):
    pass


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, "Your profile was saved.")
            return redirect("profile")
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", _profile_context(request, form=form))


def _profile_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    return {
        "form": ProfileForm(instance=user),
        "token_form": TokenCreateForm(),
        "tokens": user.api_tokens.all(),
        **_token_counts(user),
        "teams": user.teams.all(),
        **extra,
    }


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", _profile_context(request, token_form=form), status=400)
    days = form.cleaned_data["expires_in_days"]
    expires_at = timezone.now() + timedelta(days=days) if days else None
    token, raw = issue_token(request.user, form.cleaned_data["name"], expires_at)
    return render(request, "accounts/profile.html", _profile_context(request, new_token=token, new_key=raw))


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if revoke_token(request.user, token_id):
        messages.success(request, "The token was revoked: it no longer works.")
    else:
        messages.error(request, "No such active token.")
    return redirect("profile")
