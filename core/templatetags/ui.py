"""Template helpers for accessible, consistently styled form fields."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def widget(field: BoundField) -> str:
    """Render a field's widget with the right CSS class, `aria-invalid` and `aria-describedby`."""
    w = field.field.widget
    if isinstance(w, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(w, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    classes = [w.attrs.get("class", ""), css, "is-invalid" if field.errors else ""]
    attrs: dict[str, str | bool] = {"class": " ".join(filter(None, classes))}
    described = []
    if field.help_text:
        described.append(f"{field.id_for_label}-help")
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.id_for_label}-errors")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
