"""A changed password revokes the user's API tokens, whatever changed it.

Every way Django sets a password (the password change form, the reset link, the admin's "set password", the
`changepassword` command, `User.set_password()` then `save()`) goes through `set_password`, which marks the
unsaved raw password on the instance (`_password`) until `save()` has written it. Re-hashing a password at
sign-in (a hasher upgrade) clears that mark before saving, so it revokes nothing: the password is the same.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import revoke_all_tokens


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender: type[User], instance: User, created: bool, raw: bool = False,
                                     **kwargs: Any) -> None:
    """After a save that wrote a new password of an existing user, revoke all their API tokens."""
    if created or raw or getattr(instance, "_password", None) is None:
        return
    instance.revoked_token_count = revoke_all_tokens(instance)

