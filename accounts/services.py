"""Writes on accounts: issuing and revoking API tokens (all of them when the password changes: accounts.signals)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token


@transaction.atomic
def issue_token(user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the stored row and the raw key, which is never stored or shown again."""
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API token", key_hash=hash_token(raw), prefix=raw[:12],
        expires_at=expires_at,
    )
    return token, raw


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens. Returns False when no such active token belongs to the user."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


def active_token_count(user: User) -> int:
    """How many of the user's tokens still work (what a password change would revoke)."""
    return ApiToken.objects.active().filter(user=user).count()


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of `user` that is not revoked yet (after a password change); returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(raw: str) -> User | None:
    """The active user that owns the active token `raw`, or None. Records when the token was last used."""
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute per token, so busy integrations do not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
