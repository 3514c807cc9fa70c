"""Pages show labels, never codes (issue #7 §4): an audit of every page each demo user can reach.

The demo data (`seed_demo`: incidents in every state, on hold for each reason, resolved with several codes, SLA
timers met, breached, at risk and paused) is loaded; then, for each demo user, every page reachable by links from
their home is read (queues, every ticket page, the SLA dashboard and each of its drill-downs, profile...), every
form on those pages is sent back empty (so each form shows its errors), and the e-mails the demo data sent are
read too. What a person sees (text, and the title / placeholder / aria-label / alt attributes) must hold no stored
choice value (snake_case), no Python value or repr (True, False, None, [' or <User: ...>) and no machine
timestamp (seconds with a fraction, ISO "T" times, UTC offsets such as +00:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from accounts.roles import Role, has_role
from core.models import LinkKind
from incidents.choices import Channel, HoldReason, ResolutionCode, State
from itsm.celery import app as celery_app
from sla.models import Action, AgreementType, EventKind, Stage, Target

pytestmark = pytest.mark.django_db

# The stored values of the choices people meet (one-word ones too: 'new' is how Python quotes the state "New").
CHOICE_CODES = sorted({str(value) for choices in (State, HoldReason, ResolutionCode, Channel, Target, Stage,
                                                  EventKind, AgreementType, Action, LinkKind, Role)
                       for value in choices.values})
DEMO_USERS = ("user1", "user2", "agent1", "agent2", "manager", "admin")
RAW = {
    "a stored choice value": re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])"),
    "a Python value": re.compile(r"\b(?:True|False|None)\b(?! available)"),  # Django admin's "None available"
    "a Python repr": re.compile(r"<[A-Z]\w*: |\[['\"]|\{['\"]|\bQuerySet\b|\bdatetime\.|\bDecimal\("),
    "a quoted choice value": re.compile("|".join(f"'{code}'" for code in CHOICE_CODES)),
    "a timestamp with a fraction of a second": re.compile(r"\d\d:\d\d:\d\d\.\d+"),
    "an ISO 8601 timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d"),
    "a UTC offset": re.compile(r"\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:?\d\d|[+-]00:00"),
}
# Never followed: the health check (JSON for load balancers), signing out, the API and its docs, downloads (CSV,
# attachments), password-reset links, and in the Django admin its history pages (Django's log messages) and the
# sign-in lock-out log of django-axes (a third-party admin) and the SLA definition form, whose conditions and
# escalation actions are edited as JSON: there the stored codes are the vocabulary of the input, listed in its help.
SKIP = ("/healthz", "/accounts/logout/", "/api/", "/static/", "export=", "/download/", "/password/reset/", "/history/",
        "/admin/logout/", "/admin/password_change/", "/admin/jsi18n/", "/admin/axes/", "/admin/sla/sladefinition/add/",
        "/admin/sla/sladefinition/<id>/change/")
MAX_PAGES = 400
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# The Django admin draws booleans as Django's own check / cross icons, whose alt text Django writes as "True" /
# "False": that markup is Django's (django.contrib.admin), not ours, so those icons' alt text is not read.
DJANGO_BOOLEAN_ICON = re.compile(r"/admin/img/icon-(?:yes|no|unknown)\.svg$")
ID_IN_PATH = re.compile(r"/\d+/")
TICKET_NUMBER = re.compile(r"\b[A-Z]{3,4}\d{7}\b")
UNSHAPED = {"ordering", "queue", "page", "cursor"}  # query parameters that do not change what a page shows


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden inputs, as the page sent them
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons


class PageReader(HTMLParser):
    """The text a person sees on a page, its links (href and htmx hx-get) and its POST forms."""

    # <code>: what a person types literally on purpose (an import's column names, Markdown syntax in a hint)
    SILENT = {"script", "style", "template", "noscript", "code"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._silent = 0
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.SILENT:
            self._silent += 1
        if tag == "img" and DJANGO_BOOLEAN_ICON.search(a.get("src", "")):
            a.pop("alt", None)
        for name in VISIBLE_ATTRIBUTES:
            if a.get(name):
                self.text.append(a[name])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.links.append(a["hx-get"])
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self._form.fields.append((a["name"], a.get("value", "")))
            elif kind == "submit":
                self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type", "").lower() in ("submit", "button") and a.get("value"):
            self.text.append(a["value"])
        elif tag == "button" and self._form is not None and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT and self._silent:
            self._silent -= 1
        if tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if not self._silent and data.strip():
            self.text.append(data.strip())


def raw_codes(text: str) -> list[tuple[str, str]]:
    """Each raw code, repr or machine timestamp in `text`: (what it is, where it appears)."""
    found = []
    for what, pattern in RAW.items():
        for match in pattern.finditer(text):
            start = max(0, match.start() - 60)
            found.append((what, f"{match.group(0)!r} in …{text[start:match.end() + 40]}…"))
    return found


def read(response) -> PageReader:
    reader = PageReader()
    if response.get("Content-Type", "").startswith("text/html"):
        reader.feed(response.content.decode())
    return reader


@dataclass
class Audit:
    client: Client
    every_ticket: bool = False  # read each ticket's pages (else one per kind of page)
    seen: set[str] = field(default_factory=set)
    shapes: set[str] = field(default_factory=set)
    forms: dict[str, tuple[str, Form]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check(self, where: str, response) -> PageReader:
        assert response.status_code < 500, f"{where} answered {response.status_code}"
        reader = read(response)
        for what, context in raw_codes("\n".join(reader.text)):
            self.problems.append(f"{where}: {what} {context}")
        return reader

    def shape(self, url: str) -> str:
        """Pages that differ only by their query values (or their sorting, tab, page) are read once, and each
        ticket's pages only with `every_ticket`; in the Django admin, one list and one change page per model (its
        sorting and filter links are Django's)."""
        parts = urlsplit(url)
        if parts.path.startswith("/admin/"):
            return ID_IN_PATH.sub("/<id>/", parts.path)
        path = parts.path if self.every_ticket else TICKET_NUMBER.sub("<number>", parts.path)
        keys = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} - UNSHAPED
        return path + "?" + ",".join(sorted(keys))

    def form_shape(self, action: str, form: Form) -> str:
        """A form is sent once per kind, not once per ticket: the same form on another ticket is the same form,
        unless it asks for another state (the quick actions: hold, resolve, reopen...)."""
        path = ID_IN_PATH.sub("/<id>/", TICKET_NUMBER.sub("<number>", urlsplit(action).path))
        asks = sorted(f"{k}={v}" for k, v in form.fields + form.buttons if k in ("state", "action"))
        return f"{path} {' '.join(asks)}".strip()

    def crawl(self, starts: list[str]) -> None:
        todo = list(starts)
        while todo and len(self.seen) < MAX_PAGES:
            url = todo.pop(0)
            if url in self.seen:
                continue
            self.seen.add(url)
            response = self.client.get(url, follow=True)
            reader = self.check(f"GET {url}", response)
            for form in reader.forms:
                action = urljoin(url, form.action or url)
                if form.method == "post" and not any(s in action for s in (*SKIP, "/admin/")):
                    self.forms.setdefault(self.form_shape(action, form), (url, form))
            for href in reader.links:
                target = urlsplit(urljoin(url, href))
                if target.scheme not in ("", "http") or target.netloc not in ("", "testserver"):
                    continue
                path = target.path + (f"?{target.query}" if target.query else "")
                shape = self.shape(path)
                if any(s in path or s in shape for s in SKIP) or path in self.seen:
                    continue
                if shape not in self.shapes:
                    self.shapes.add(shape)
                    todo.append(path)

    def send_forms_empty(self) -> None:
        """Each POST form back with only what the page put in it (hidden inputs, the first submit button): the
        form errors, refusals and messages a person meets when they leave a form empty."""
        # a click-only move (take, cancel, close) goes last: the forms that need more than a click then still find
        # their ticket as their page showed it, and answer with what they need
        def click_only(item: tuple[str, tuple[str, Form]]) -> tuple[bool, str]:
            shape = item[0]
            return (shape.endswith("/take/") or "state=cancelled" in shape or "state=closed" in shape, shape)

        for shape, (page, form) in sorted(self.forms.items(), key=click_only):
            data = dict(form.fields)
            data.update(form.buttons[:1])
            data.pop("csrfmiddlewaretoken", None)
            action = urljoin(page, form.action or page)
            response = self.client.post(action, data, follow=True)
            self.check(f"POST {shape} (empty, from {page})", response)
            if "/agent/incidents/" in action:  # the ticket page answers htmx with the panel, errors in place
                htmx = self.client.post(action, data, headers={"HX-Request": "true"})
                self.check(f"POST {shape} (empty, htmx, from {page})", htmx)


@pytest.fixture
def demo(settings, django_capture_on_commit_callbacks):
    """The demo data, with the e-mails it sends (tasks run in-process on commit)."""
    settings.ALLOW_DEMO_DATA = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", verbosity=0)
    finally:
        celery_app.conf.task_always_eager = False
    # someone far from UTC: their times must not show an offset either
    User.objects.filter(username="agent2").update(time_zone="America/New_York")
    return mail.outbox


def test_the_regular_expressions_catch_what_the_issue_saw():
    text = ("needs a reason: awaiting_caller, awaiting_vendor · SLA breached: True · after "
            "2026-12-03 17:26:04.670809+00:00 · <User: agent1> · from 'new' · 2026-12-03T17:26")
    kinds = {what for what, _ in raw_codes(text)}
    assert kinds == set(RAW), kinds
    clean = ("Awaiting caller · SLA breached: Yes · from 3 Dec 2026, 17:26 · Alex Agent · e-mail: "
             "servicedesk@example.com · 09:00-17:00 · INC0001001 · 1 - Critical · 50% used · /portal/my_page")
    assert raw_codes(clean) == []


def pages_of(user: User) -> list[str]:
    """Where a user starts: their homes, forms and queues (the crawl follows the links from there)."""
    starts = ["/", "/portal/", "/portal/incidents/", "/portal/incidents/new/", "/accounts/profile/",
              "/accounts/password/change/"]
    # the search box's results: words that find tickets of several kinds and articles, and a number nobody sees
    starts += [f"/portal/search/?q={q}" for q in ("vpn", "printer", "mail", "INC9999999")]
    if has_role(user, Role.AGENT):
        starts += ["/agent/", "/agent/incidents/", "/agent/incidents/new/"]
        starts += [f"/agent/search/?q={q}" for q in ("vpn", "printer", "mail", "e", "KB9999999")]
        starts += [f"/agent/incidents/?queue={q}" for q in ("mine", "my-teams", "open", "recent", "breaching")]
    if has_role(user, Role.MANAGER):
        starts += ["/manager/", "/manager/sla/", "/manager/sla/?period=7d", "/manager/sla/?period=90d",
                   "/manager/sla/?period=custom&since=2026-01-01&until=2026-12-31",
                   "/manager/sla/?period=custom&since=2026-12-31&until=2026-01-01", "/manager/sla/?period=bogus"]
    if has_role(user, Role.ADMIN):  # sees what the manager sees (checked above): their own pages only
        starts = ["/", "/console/", "/accounts/profile/", "/admin/"]
    return starts


def test_no_page_shows_a_raw_code(demo):
    problems: list[str] = []
    for username in DEMO_USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        # the manager reads every ticket's pages (every state, hold reason, resolution code and SLA stage), end
        # users every page of theirs; the agents one page of each kind
        audit = Audit(client, every_ticket=username in ("manager", "user1", "user2"))
        audit.crawl(pages_of(user))
        assert len(audit.seen) >= 10, f"{username}: only {len(audit.seen)} pages reached"
        audit.send_forms_empty()
        if not has_role(user, Role.ADMIN):
            assert audit.forms, f"{username}: forms were sent back empty"
        problems += [f"{username} {problem}" for problem in dict.fromkeys(audit.problems)]
    assert not problems, "\n".join(problems)


def test_no_e_mail_shows_a_raw_code(demo):
    assert len(demo) > 10, "the demo data sends e-mails"
    problems = [f"{m.subject!r}: {what} {context}" for m in demo
                for what, context in raw_codes(f"{m.subject}\n{m.body}")]
    assert not problems, "\n".join(problems)
