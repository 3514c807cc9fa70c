from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import role_of
from core.navigation import nav_for, search_url_name


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user)
    return {
        "nav_items": nav_for(user),
        "user_role": role,
        "user_role_label": role.label if role else "",
        "search_url_name": search_url_name(user),
    }
