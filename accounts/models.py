"""Identity: users with a role, teams (assignment groups), organizations, and hashed API tokens."""

from __future__ import annotations

import hashlib
import secrets
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.roles import Role, has_role

EMAIL_TAKEN = "Another account already uses this e-mail address."
TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(available_timezones()) if "/" in tz or tz == "UTC"]


def validate_timezone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Paris).")


class Organization(models.Model):
    """The requesters' company or department. With `share_tickets`, its members see each other's tickets."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    share_tickets = models.BooleanField(
        default=False, help_text="Members can see every ticket raised by anyone in the organization."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: an end user, an agent, a manager or an administrator (see accounts.roles)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.END_USER, db_index=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    phone = models.CharField(max_length=40, blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
                                help_text="Who approves what they order from the catalog (when an item asks).")

    class Meta:
        ordering = ["username"]
        constraints = [
            # One account per address, whatever its case: watchers and notifications go by e-mail, so a second
            # account with someone else's address would receive (and be picked for) their tickets.
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_agent(self) -> bool:
        """Agent or above: works tickets."""
        return has_role(self, Role.AGENT)

    @property
    def is_manager(self) -> bool:
        """Manager or admin: dashboards and every ticket."""
        return has_role(self, Role.MANAGER)

    @property
    def is_admin_role(self) -> bool:
        return has_role(self, Role.ADMIN)

    @staticmethod
    def email_taken(email: str, exclude_pk: int | None = None) -> bool:
        """Whether another account uses `email` (compared case-insensitively, as the unique constraint does)."""
        others = User.objects.filter(email__iexact=email.strip())
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        return bool(email.strip()) and others.exists()

    def clean(self) -> None:
        """A taken address is an error on the e-mail field (forms, the admin and the API show it there)."""
        super().clean()
        if self.email_taken(self.email or "", exclude_pk=self.pk):
            raise ValidationError({"email": [EMAIL_TAKEN]})

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip()
        # Admins reach the Django admin; nobody else does. A superuser is always an admin.
        if self.is_superuser:
            self.role = Role.ADMIN
        self.is_staff = self.role == Role.ADMIN
        super().save(*args, **kwargs)


class Team(models.Model):
    """An assignment group of agents (e.g. Service Desk, Network), with a lead and a shared mailbox."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    email = models.EmailField(blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def lead_ref(self) -> dict | None:
        return {"id": self.lead_id, "name": self.lead.display_name} if self.lead_id else None


TOKEN_PREFIX = "itsm_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the key is shown once, when it is created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="The first characters of the key, to recognise it.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @classmethod
    def generate_key(cls) -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
