"""Form widgets of the project.

`FastSelect` renders the same HTML as Django's Select without one template render per <option>: agent pages
carry selects of many options, where the per-option templates, then the per-option dicts, dominated the page
time (bench/RESULTS.md). Every piece is escaped (format_html, flatatt, escape).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import ChoiceWidget
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.html import conditional_escape, escape


class FastSelectMixin(ChoiceWidget):
    """Renders the <select> straight from the choices: one escaped string per option, no option dicts."""

    def option_extra(self, value: str) -> str:
        """Extra attributes of one option, already escaped (e.g. ` data-parent="3"`); none by default."""
        return ""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        single = not self.allow_multiple_selected
        has_selected = False
        parts: list[str] = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, list | tuple)
            if grouped:
                parts.append(format_html('<optgroup label="{}">', group_value))
            for option_value, label in group_label if grouped else ((group_value, group_label),):
                text = "" if option_value is None else str(option_value)
                selected = text in chosen and not (single and has_selected)
                has_selected |= selected
                parts.append(f'<option value="{escape(text)}"{self.option_extra(text)}'
                             f'{" selected" if selected else ""}>{conditional_escape(str(label))}</option>')
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value, label and attribute above is escaped


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class ListSelect(FastSelect):
    """A single <select> for a multiple-choice filter: submits a list (empty choice -> no filter)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else [data.get(name)]
        return [v for v in values if v not in (None, "")]
