"""System checks of the core: settings that `manage.py check --deploy` should flag before going live."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 (compared, not bound)


@register("mail", deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[Warning]:
    """Every link in every e-mail starts with SITE_URL: in production it must be the site's public address."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme in ("http", "https") and parts.hostname and parts.hostname not in LOCAL_HOSTS:
        return []
    return [Warning(
        f"SITE_URL is {settings.SITE_URL!r}: links in e-mails would not reach users.",
        hint="Set SITE_URL to the public address of the site, e.g. https://servicedesk.example.com.",
        id="core.W001",
    )]
