"""Filter backends shared by every API list."""

from __future__ import annotations

from rest_framework import filters
from rest_framework.exceptions import ValidationError


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=` over the view's `ordering_fields` allow-list; an unknown field is a 400, never ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = self.get_valid_fields(queryset, view, {"request": request})
            allowed = {name for name, _label in valid}
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {self.ordering_param: [
                        f"Unknown ordering field(s): {', '.join(unknown)}. "
                        f"Allowed: {', '.join(sorted(allowed)) or 'none'}."
                    ]}
                )
            return fields
        return self.get_default_ordering(view)


class StableOrderingFilter(StrictOrderingFilter):
    """StrictOrderingFilter plus a final `-pk` tie-breaker, so limit/offset pages never overlap or skip rows."""

    unique_fields = frozenset({"pk", "id", "number"})

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(str(f).lstrip("-") in self.unique_fields for f in ordering):
            ordering = [*ordering, "-pk"]
        return ordering
