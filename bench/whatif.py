"""WSGI entry point for `load.py --whatif`: the app as it is, with proposals 1 and 2 of bench/proposals.py applied
to the running process only (no file of the app changes). load.py creates the proposed indexes for the run.

- visible_to(): its own source with the watched branch on core_ticket.number (`Q(number__in=watched)`);
- the queue and portal pages' Paginator, the API's LimitOffsetPagination and the queue counts of the agent's home
  page count at most COUNT_CAP + 1 rows;
- <select> widgets render their <option>s in Python (format_html) instead of one template per option: the
  agent pages carry ~900-1,400 options (every agent, in the filter and in the assign forms).
"""

from __future__ import annotations
import __future__

import inspect
import os
import sys
import textwrap

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
application = get_wsgi_application()  # sets Django up before the app's modules are imported below

from django import forms  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.forms.utils import flatatt  # noqa: E402
from django.utils.functional import cached_property  # noqa: E402
from django.utils.html import format_html  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402
from proposals import COUNT_CAP  # noqa: E402

from core import models as core_models  # noqa: E402
from core.api import pagination  # noqa: E402
from incidents.views import portal  # noqa: E402


def patch_visible_to() -> None:
    """The watched branch on core_ticket.number. `Q(pk__in=...)` and `Q(id__in=...)` both compile to
    incidents_incident.ticket_ptr_id on Incident (Django trims the join to the parent for its primary key)."""
    source = textwrap.dedent(inspect.getsource(core_models.TicketQuerySet.visible_to))
    patched = source.replace('values_list("ticket_id", flat=True)', 'values_list("ticket__number", flat=True)')
    patched = patched.replace("Q(pk__in=watched)", "Q(number__in=watched)").replace(
        "Q(id__in=watched)", "Q(number__in=watched)")
    if "Q(number__in=watched)" not in patched or "ticket__number" not in patched:
        print("whatif: visible_to() changed shape; left as it is", file=sys.stderr)
        return
    code = compile(patched, core_models.__file__, "exec", flags=__future__.annotations.compiler_flag,
                   dont_inherit=True)
    namespace: dict = {}
    exec(code, vars(core_models), namespace)
    core_models.TicketQuerySet.visible_to = namespace["visible_to"]


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (a page would show "1,000+")."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()


def capped_count(self, queryset) -> int:
    # values("pk"): the annotations of the list (e.g. the parent_visible EXISTS) stay out of the count
    return queryset.order_by().values("pk")[: COUNT_CAP + 1].count()


_select_render = forms.Select.render


def fast_select_render(self, name, value, attrs=None, renderer=None):
    """The same HTML as Django's select.html / select_option.html, built without a template per option."""
    if self.template_name != "django/forms/widgets/select.html" or self.option_template_name != (
            "django/forms/widgets/select_option.html"):
        return _select_render(self, name, value, attrs, renderer)
    widget = self.get_context(name, value, attrs)["widget"]
    parts = [format_html("<select name=\"{}\"{}>", widget["name"], flatatt(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        parts.extend(format_html('<option value="{}"{}>{}</option>', o["value"],
                                 flatatt(o["attrs"]), o["label"]) for o in options)
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # every piece is escaped by format_html / flatatt


patch_visible_to()
forms.Select.render = fast_select_render
portal.Paginator = CappedPaginator
pagination.LimitOffsetPagination.get_count = capped_count
