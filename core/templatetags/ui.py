"""Template helpers: accessible, consistently styled form fields, avatars, and times in table cells."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core import kinds

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


AVATAR_HUES = 8


@register.simple_tag
def avatar(user: object, size: str = "sm") -> str:
    """A person's initials in a coloured circle (the colour follows the person, so a face is recognised down a
    long activity stream); "System" for an action without a person. Decorative: the name is written next to it."""
    name = str(getattr(user, "display_name", "") or "System") if user is not None else "System"
    words = [w for w in name.replace(".", " ").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    hue = int(getattr(user, "pk", 0) or 0) % AVATAR_HUES if user is not None else "system"
    return format_html('<span class="avatar avatar-{} avatar-hue-{}" aria-hidden="true" title="{}">{}</span>\n',
                       size, hue, name, initials)


@lru_cache(maxsize=64)
def _month(language: str, month: int) -> str:
    """A month's short name in the active language, escaped ("Dec"): read once, not once per cell."""
    return str(escape(MONTHS_3[month].title()))


def _time(local: datetime, css: str = "") -> str:
    """`<time>` with the short local time, the full one as its tooltip and ISO 8601 in `datetime` (only digits,
    punctuation and the escaped month name: nothing to escape)."""
    month = _month(get_language() or "", local.month)
    return (f'<time datetime="{local.isoformat()}" title="{local:%Y-%m-%d %H:%M}"{css}>'
            f"{local.day} {month} {local:%H:%M}</time>")


@register.simple_tag
def stamp(value: datetime | None) -> str:
    """A table cell's time: `<time>` with the short local time ("3 Dec 17:26"), the full one as its tooltip and
    ISO 8601 in `datetime`, from one time zone conversion (three `date` filters per cell were a tenth of a
    queue page's time at 50 rows)."""
    if value is None:
        return "—"
    return mark_safe(_time(timezone.localtime(value)))  # noqa: S308 - see _time


@register.simple_tag
def state_badge(ticket: Any, text: str = "") -> str:
    """A ticket's state as a coloured badge (`text` in its place: the portal's words for end users)."""
    state = getattr(ticket, "state", "")
    return format_html('<span class="badge state-badge state-{}" data-testid="state">{}</span>', state,
                       text or kinds.state_label_of(ticket))


@register.simple_tag
def priority_badge(ticket: Any) -> str:
    """A ticket's priority as a coloured badge."""
    return format_html('<span class="badge priority-badge priority-{}" data-testid="priority">{}</span>',
                       ticket.priority, ticket.get_priority_display())


@register.simple_tag
def sla_due(ticket: Any, now: datetime) -> str:
    """A queue cell: when an open ticket's SLA falls due, in red with "overdue" once passed; "—" otherwise."""
    due = getattr(ticket, "sla_due_at", None)
    if due is None or not getattr(ticket, "active", False):
        return "—"
    late = due < now
    cell = _time(timezone.localtime(due), ' class="text-danger fw-semibold"' if late else "")
    return mark_safe(cell + (' <span class="badge text-bg-danger">overdue</span>' if late else ""))  # noqa: S308


REQUIRED_MARK = mark_safe(' <span class="text-danger" aria-hidden="true">*</span>')  # a constant


def _described_by(*ids: str) -> str:
    shown = " ".join(i for i in ids if i)
    return f' aria-describedby="{escape(shown)}"' if shown else ""


@register.simple_tag
def field_block(field: BoundField, inline: bool = False, current: Any = None, refreshed: bool = False) -> str:
    """One accessible form field (components/field.html): label, widget, help, the current value after a
    conflict, errors; a fieldset with a legend for radio buttons and check box lists. Written in Python: a page
    has up to twenty of them, and the template's tests and lookups per field were a tenth of a ticket page."""
    required = REQUIRED_MARK if field.field.required else ""
    errors = field.errors
    help_text = field.help_text
    if field.widget_type in ("radioselect", "checkboxselectmultiple"):
        auto_id = field.auto_id
        described = _described_by(f"{auto_id}-help" if help_text else "", f"{auto_id}-errors" if errors else "")
        check = "form-check form-check-inline" if inline else "form-check"
        choices = "\n".join(  # whitespace between them, as the template had: inline choices keep their gap
            format_html('<div class="{}">{}<label class="form-check-label" for="{}">{}</label></div>', check,
                        choice.tag(), choice.id_for_label, choice.choice_label)
            for choice in field)
        parts = [f'<fieldset class="mb-3"{described}>',
                 format_html('<legend class="form-label fs-6 mb-1">{}{}</legend>', field.label, required),
                 choices]
        if help_text:
            parts.append(format_html('<div class="form-text" id="{}-help">{}</div>', auto_id, help_text))
        if errors:
            parts.append(format_html('<div class="invalid-feedback d-block" id="{}-errors" role="alert">{}</div>',
                                     auto_id, " ".join(str(e) for e in errors)))
        parts.append("</fieldset>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html / escape
    label_for = field.id_for_label
    if field.widget_type == "checkbox":
        parts = ['<div class="mb-3 form-check">', widget(field),
                 format_html('<label class="form-check-label" for="{}">{}</label>', label_for, field.label)]
    else:
        parts = ['<div class="mb-3">',
                 format_html('<label class="form-label" for="{}">{}{}</label>', label_for, field.label,
                             required),
                 widget(field)]
    if help_text:
        parts.append(format_html('<div class="form-text" id="{}-help">{}</div>', label_for, help_text))
    if current not in (None, ""):  # "" is a variable the include did not set; a current value reads "(empty)"
        parts.append(format_html('<div class="form-text conflict-current" data-testid="current-{}">Current value: '
                                 "{}</div>", field.name, current))
    if refreshed:
        parts.append(format_html('<div class="form-text conflict-refreshed" data-testid="refreshed-{}">Changed '
                                 "meanwhile: now shows the current value.</div>", field.name))
    if errors:
        parts.append(format_html('<div class="invalid-feedback d-block" id="{}-errors" role="alert">{}</div>',
                                 label_for, " ".join(str(e) for e in errors)))
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html / escape

