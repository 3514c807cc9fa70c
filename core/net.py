"""Where a request comes from and may go back to: the client's IP address (throttles, the login lock-out), and
a `next` address that stays on this site (`safe_next`).

`X-Forwarded-For` is believed only when the connection comes from a proxy listed in `TRUSTED_PROXIES`
(IPs or CIDRs). The header is read from the right: each hop appended by a trusted proxy is skipped, and the
first address a trusted proxy vouches for but that is not itself trusted is the client. Without trusted
proxies (the default) the client is `REMOTE_ADDR`, whatever the header says.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network.") from exc
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    """The parsed `TRUSTED_PROXIES` setting."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """Whether `address` is one of the configured proxies."""
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in trusted_networks())


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request` (see the module docstring)."""
    candidate = request.META.get("REMOTE_ADDR", "") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not is_trusted_proxy(candidate):
        return candidate
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        if not is_trusted_proxy(candidate):
            break
        parsed = _parse(hop)
        if parsed is None:  # garbage before a trusted hop: the last proxy is all we know
            break
        candidate = str(parsed)
    return candidate


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter if it points to this site, else `fallback` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback
