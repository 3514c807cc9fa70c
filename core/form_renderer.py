"""Django's form renderer with the commonest widget templates written in Python (settings.FORM_RENDERER).

Every `<input>`, `<textarea>` and `<select>` of a form goes through the template engine: two or three template
renders per field (the widget's template includes `input.html`, which includes `attrs.html`), one more per
option. A ticket page has forty such fields (its fields, the comment box, the quick actions' forms), which cost
more than its SQL. This renderer writes the same HTML as those templates from the same context, escaped the same
way, and leaves every other template (multi-widgets, the form and field layouts) to Django's. Selects of many
options also have a fast widget (core.widgets.FastSelect): their cost is in building the option dicts, before
any template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString, mark_safe

from core.html import conditional_escape

WIDGETS = "django/forms/widgets/"
# The widget templates whose whole content is `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = ("checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password",
                   "search", "tel", "text", "time", "url")


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape."""
    return str(conditional_escape(value if isinstance(value, SafeString) else str(value)))


def attributes(attrs: dict[str, Any]) -> str:
    """`attrs.html`: ` name="value"` per attribute, ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(out)


def render_input(widget: dict[str, Any]) -> str:
    """`input.html`."""
    value = widget["value"]
    shown = f' value="{_text(value)}"' if value is not None else ""
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{attributes(widget["attrs"])}>'


def render_textarea(widget: dict[str, Any]) -> str:
    """`textarea.html`."""
    value = widget["value"]
    text = str(conditional_escape(value)) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{attributes(widget["attrs"])}>\n{text}</textarea>'


def render_option(option: dict[str, Any]) -> str:
    """`select_option.html`."""
    return (f'<option value="{_text(option["value"])}"{attributes(option["attrs"])}>'
            f'{conditional_escape(option["label"])}</option>')


def render_select(widget: dict[str, Any]) -> str:
    """`select.html`, its options written by `select_option.html`."""
    parts = [f'<select name="{_text(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(f"\n  {render_option(option)}\n" for option in options)  # the included file's last newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_input_option(option: dict[str, Any]) -> str:
    """`input_option.html` (one radio button or check box of a list, in its label)."""
    html = render_input(option)
    if not option["wrap_label"]:
        return html
    target = option["attrs"].get("id")
    label_for = f' for="{conditional_escape(target)}"' if target else ""
    return f"<label{label_for}>{html}\n {conditional_escape(option['label'])}</label>"  # input.html's last newline


FAST: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"{WIDGETS}{name}.html": render_input for name in INPUT_TEMPLATES},
    f"{WIDGETS}input.html": render_input,
    f"{WIDGETS}textarea.html": render_textarea,
    f"{WIDGETS}select.html": render_select,
    f"{WIDGETS}select_option.html": render_option,
    f"{WIDGETS}input_option.html": render_input_option,
    f"{WIDGETS}radio_option.html": render_input_option,
    f"{WIDGETS}checkbox_option.html": render_input_option,
}


class FastWidgets(DjangoTemplates):
    """Django's DjangoTemplates form renderer; inputs, textareas, selects and choice lists rendered without
    templates (an option's own `template_name` is not read: no widget of the project, the admin or django-filter
    sets one)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = FAST.get(template_name)
        widget = context.get("widget")
        if fast is not None and isinstance(widget, dict) and "attrs" in widget:
            return mark_safe(fast(widget))  # noqa: S308 - every name, value and attribute is escaped above
        return super().render(template_name, context, request)
