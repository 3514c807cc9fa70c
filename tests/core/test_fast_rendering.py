"""The fast paths of the pages write exactly the HTML of what they replace: the widgets (core.form_renderer,
against Django's own templates), the selects (core.widgets.FastSelect, against Django's
Select), and the queue cells' tags (state, priority, SLA due time, against the templates they replaced)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.utils import timezone

from core.form_renderer import FastWidgets
from core.widgets import FastSelect, FastSelectMultiple

HOSTILE = '<script>alert("x")</script> & \'quoted\''


class Everything(forms.Form):
    title = forms.CharField(max_length=20, help_text="Short.")
    email = forms.EmailField(required=False)
    count = forms.IntegerField(min_value=1, max_value=9)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": HOSTILE}), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    query = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True,
                                                          "disabled": False}), required=False)
    choice = forms.ChoiceField(choices=[("", "—"), ("a", HOSTILE), ("Group <i>", [("b", "B"), ("c", "C")])],
                               required=False)
    radio = forms.ChoiceField(choices=[("x", "X & Y"), ("y", HOSTILE)], widget=forms.RadioSelect, required=False)
    ticks = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "<b>Two</b>")], required=False,
                                      widget=forms.CheckboxSelectMultiple)


def render_options(form: forms.Form) -> str:
    """Each radio button and check box alone, as components/field.html renders lists."""
    return "\n".join(str(option.tag()) + str(option) for name in ("radio", "ticks") for option in form[name])


def render_all(form: forms.Form) -> str:
    return "\n".join(str(form[name]) for name in form.fields)


@pytest.mark.parametrize("data", [
    None,
    {"title": HOSTILE, "email": "a@b.c", "count": "3", "when": "2026-12-04", "secret": HOSTILE, "notes": HOSTILE,
     "hidden": HOSTILE, "agree": "on", "query": "x"},
    {"title": "", "count": "zero", "notes": "", "choice": "c", "radio": "y", "ticks": ["1", "2"]},
])
def test_widgets_are_written_as_djangos_templates_write_them(data):
    slow_form, fast_form = Everything(data, renderer=DjangoTemplates()), Everything(data, renderer=FastWidgets())
    fast = render_all(fast_form) + render_options(fast_form)
    assert fast == render_all(slow_form) + render_options(slow_form)
    assert "<script>" not in fast and "<b>" not in fast


def test_the_project_renders_forms_with_the_fast_renderer():
    form = Everything()
    assert isinstance(form.renderer, FastWidgets)


@pytest.mark.parametrize(("widget_class", "value"), [
    (FastSelect, "2"), (FastSelect, ""), (FastSelect, None), (FastSelectMultiple, ["1", "3"]),
])
def test_fast_selects_are_written_as_djangos_selects(widget_class, value):
    choices = [("", "Any"), (1, HOSTILE), ("Group <b>", [(2, "Two"), (3, "Three & more")]), (4, "Two")]
    fast = widget_class(choices=choices, attrs={"class": "form-select"}).render("pick", value, {"id": "id_pick"})
    django_class = forms.SelectMultiple if widget_class is FastSelectMultiple else forms.Select
    slow = django_class(choices=choices, attrs={"class": "form-select"}).render("pick", value, {"id": "id_pick"})
    normalise = lambda html: re.sub(r">\s+<", "><", html.replace("\n", ""))  # noqa: E731 - the templates' newlines
    assert normalise(fast) == normalise(slow)


def test_a_single_select_marks_only_the_first_of_equal_values():
    html = FastSelect(choices=[(1, "One"), ("1", "Again")]).render("pick", "1")
    assert html.count(" selected") == 1


def ticket(**fields):
    values = {"kind": "incident", "state": "in_progress", "priority": 2, "active": True, "sla_due_at": None, **fields}
    labels = {"in_progress": "In progress", 2: "2 - High"}
    return SimpleNamespace(**values, get_state_display=lambda: labels[values["state"]],
                           get_priority_display=lambda: labels[values["priority"]])


def test_badges_read_as_the_templates_they_replace():
    row = ticket()
    assert Template("{% load ui %}{% state_badge t %}|{% priority_badge t %}").render(Context({"t": row})) == (
        '<span class="badge state-badge state-in_progress" data-testid="state">In progress</span>|'
        '<span class="badge priority-badge priority-2" data-testid="priority">2 - High</span>')
    portal = Template('{% include "components/state_badge.html" with text="Waiting for you" %}').render(Context({}))
    assert portal.strip() == '<span class="badge state-badge state-" data-testid="state">Waiting for you</span>'


def test_the_sla_cell_shows_local_time_and_overdue():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    cell = Template("{% load ui %}{% sla_due t now %}")
    with timezone.override("Europe/Paris"):
        late = cell.render(Context({"t": ticket(sla_due_at=now - timedelta(hours=1)), "now": now}))
        due = cell.render(Context({"t": ticket(sla_due_at=now + timedelta(hours=1)), "now": now}))
    assert late == ('<time datetime="2026-12-04T12:00:00+01:00" title="2026-12-04 12:00" class="text-danger '
                    'fw-semibold">4 Dec 12:00</time> <span class="badge text-bg-danger">overdue</span>')
    assert due == '<time datetime="2026-12-04T14:00:00+01:00" title="2026-12-04 14:00">4 Dec 14:00</time>'
    closed = ticket(sla_due_at=now, active=False)
    assert cell.render(Context({"t": closed, "now": now})) == "—"
    assert cell.render(Context({"t": ticket(), "now": now})) == "—"


OLD_FIELD_TEMPLATE = (Path(__file__).parent / "field_template_before.html").read_text()


class Fields(forms.Form):
    title = forms.CharField(help_text="A few words & <b>no</b> HTML.")
    notes = forms.CharField(widget=forms.Textarea, required=False)
    agree = forms.BooleanField(help_text="Tick <it>.")
    public = forms.ChoiceField(choices=[("0", "Internal"), ("1", "Public <b>")], widget=forms.RadioSelect,
                               help_text="Who reads it.")
    states = forms.MultipleChoiceField(choices=[("new", "New"), ("on_hold", "On hold")], required=False,
                                       widget=forms.CheckboxSelectMultiple)


def squeeze(html: str) -> str:
    """The same HTML whatever the template's line breaks and indentation."""
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", html.strip()))


@pytest.mark.parametrize("data", [None, {"title": "", "public": "2", "agree": ""},
                                  {"title": HOSTILE, "public": "1", "agree": "on", "states": ["on_hold"]}])
@pytest.mark.parametrize("extra", [{}, {"inline": True}, {"current": HOSTILE, "refreshed": True}])
def test_the_field_block_is_written_as_the_field_template_wrote_it(data, extra):
    form = Fields(data)
    form.is_valid()
    for name in form.fields:
        context = Context({"field": form[name], **extra})
        old = Template(OLD_FIELD_TEMPLATE).render(context)
        new = Template('{% include "components/field.html" %}').render(context)
        assert squeeze(new) == squeeze(old), name
        assert "<script>" not in new and "<b>" not in new


BEFORE = Path(__file__).parent / "templates_before"


def old_activity_template() -> str:
    """The activity template as it was, with its two includes inlined (they went with it)."""
    text = (BEFORE / "_activity.html").read_text()
    files = (BEFORE / "_entry_files.html").read_text().strip()
    name = (BEFORE / "_field_name.html").read_text().strip()
    text = text.replace('{% include "tickets/_entry_files.html" %}', files)
    return text.replace('{% include "tickets/_field_name.html" with name=entry.field %}',
                        "{% with name=entry.field %}" + name + "{% endwith %}")


def entry(kind: str, actor: object = None, **values: object) -> SimpleNamespace:
    from django.utils.html import escape

    fields = {"field": "", "old_value": "", "new_value": "", "internal": kind == "work_note", "body": ""}
    fields.update(values)
    for side in ("old", "new"):
        fields.setdefault(f"{side}_label", fields[f"{side}_value"])
        fields.setdefault(f"{side}_html", escape(fields[f"{side}_label"]))
    files = fields.pop("files", [])
    return SimpleNamespace(kind=kind, actor=actor, actor_id=getattr(actor, "pk", None),
                           created_at=datetime(2026, 12, 4, 17, 5, 9, 123456, tzinfo=UTC),
                           attachments=SimpleNamespace(all=lambda: files), files=files, **fields)


def test_the_activity_stream_is_written_as_its_template_wrote_it():
    from django.utils.safestring import mark_safe

    requester = SimpleNamespace(pk=7, display_name=HOSTILE)
    agent = SimpleNamespace(pk=12, display_name="Ada Lovelace")
    ticket = SimpleNamespace(requester_id=7)
    link = mark_safe('<a href="/agent/incidents/INC0001001/">INC0001001 Printer</a>')
    entries = [
        entry("comment", requester, body=f"Line one\n{HOSTILE}\r\nthird",
              files=[SimpleNamespace(pk=3, filename=HOSTILE), SimpleNamespace(pk=4, filename="log.txt")]),
        entry("comment", agent, body="On it."),
        entry("comment", None, body="Automatic reply"),
        entry("work_note", agent, body="Rebooted the spooler.", files=[SimpleNamespace(pk=5, filename="a.png")]),
        entry("change", agent, field="state", old_value="new", new_value="in_progress", old_label="New",
              new_label="In progress"),
        entry("change", agent, field="priority", old_value="4", new_value="2", old_label="4 - Low",
              new_label="2 - High", internal=True),
        entry("change", agent, field="assignee", new_value=HOSTILE),
        entry("change", agent, field="team", old_value="Network"),
        entry("change", None, field="description", old_value="a", new_value="b"),
        entry("change", agent, field="workaround", new_value="b"),
        entry("change", agent, field="attachment", new_value=HOSTILE),
        entry("change", agent, field="attachment", old_value="gone.txt"),
        entry("change", agent, field="watchers", new_value=HOSTILE),
        entry("change", agent, field="watchers", old_value="Bob"),
        entry("change", agent, field="link", new_value="x", new_html=link),
        entry("change", agent, field="link", old_value="x", old_html=mark_safe("another ticket")),
        entry("change", agent, field="custom<field>", old_value="1", new_value="2"),
        entry("change", agent, field="known_error", old_value="No", new_value="Yes"),
    ]
    for zone in ("UTC", "Pacific/Auckland"):
        with timezone.override(zone):
            for shown in (entries, []):
                context = Context({"entries": shown, "ticket": ticket})
                old = Template(old_activity_template()).render(context)
                new = Template('{% include "tickets/_activity.html" %}').render(context)
                assert squeeze_spaces(new) == squeeze_spaces(old)
                assert "<script>" not in new


def squeeze_spaces(html: str) -> str:
    """The same HTML whatever the template's line breaks and indentation (a space stays a space)."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html.strip()))
