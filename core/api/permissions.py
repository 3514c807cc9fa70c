"""API permission classes built on accounts.roles (the same capabilities the UI checks)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.roles import can


def role_permission(permission: str) -> type[BasePermission]:
    """A permission class granting access to signed-in users whose role has the named capability.

    Anonymous callers are left to IsAuthenticated (401); signed-in users without the capability get 403.
    """

    class HasRolePermission(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated) and can(request.user, permission)

    HasRolePermission.__name__ = f"HasRolePermission_{permission.replace('.', '_')}"
    return HasRolePermission
