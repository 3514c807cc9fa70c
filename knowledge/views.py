"""Knowledge in the browser: the desk's article queue, the article page (the generic ticket page: its working
copy, a preview of it, the published version and the versions before) and writing a new article; the portal's
knowledge list and article page (the last published version of a public article, never a draft) and the files of
that version (knowledge.files)."""

from __future__ import annotations

import re
from typing import Any, cast

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Organization, Team
from accounts.roles import can
from catalog.models import Service
from core import kinds, queue_page, writes
from core.pagination import CappedPaginator, page_numbers
from core.permissions import permission_required
from core.queue_page import QueuePage
from core.ticket_filters import TicketFilter
from core.ticket_forms import FastSelect, TriageFieldsForm, long_text, offer_reference
from core.ticket_page import TicketPage
from core.views_attachments import file_response, file_user
from incidents.models import Category
from knowledge import files, search, services
from knowledge.choices import ArticleState, ArticleType, Audience
from knowledge.kind import ARTICLE
from knowledge.markdown import render as markdown
from knowledge.models import Article, ArticleVersion, KnowledgeBase
from knowledge.services import readable

PORTAL_PAGE_SIZE = 20
SEARCH_RESULTS = 30


class ArticleFilter(TicketFilter):
    number_prefix = "KB"
    state = django_filters.MultipleChoiceFilter(choices=ArticleState.choices, distinct=False)
    audience = django_filters.ChoiceFilter(choices=Audience.choices, label="Who reads it")
    type = django_filters.ChoiceFilter(field_name="article_type", choices=ArticleType.choices, label="Type")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.filter(parent__isnull=True))

    class Meta:
        model = Article
        fields = ["state", "team", "assignee", "unassigned", "service", "category", "active", "q", "audience",
                  "type"]


class ArticleFieldsForm(TriageFieldsForm):
    impact = None  # type: ignore[assignment]  # an article has no impact nor urgency
    urgency = None  # type: ignore[assignment]
    description = long_text("Summary", rows=2)
    body = long_text("Article (Markdown)", rows=14)
    keywords = forms.CharField(max_length=300, required=False, help_text="Words people search with.")
    audience = forms.ChoiceField(choices=Audience.choices, label="Who reads it")
    knowledge_base = forms.ModelChoiceField(KnowledgeBase.objects.all(), label="Knowledge base")
    valid_until = forms.DateField(required=False, label="Review by", widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ModelChoiceField(Category.objects.none(), required=False, widget=FastSelect)

    LAYOUT = [("title", "col-12"), ("description", "col-12"), ("body", "col-12"), ("keywords", "col-sm-6"),
              ("audience", "col-sm-6"), ("knowledge_base", "col-sm-6"), ("valid_until", "col-sm-6"),
              ("service", "col-sm-6"), ("category", "col-sm-6"), ("team", "col-sm-6"), ("assignee", "col-sm-6")]

    def setup(self) -> None:
        super().setup()
        offer_reference(self.fields["category"], Category.objects.filter(parent__isnull=True),
                        getattr(self.ticket, "category_id", None), "article:category")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "article_%s")  # not id_body: the composer's note on the same page is
        super().__init__(*args, **kwargs)


class NewArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    knowledge_base = forms.ModelChoiceField(KnowledgeBase.objects.all(), label="Knowledge base")
    audience = forms.ChoiceField(choices=Audience.choices, label="Who reads it")
    description = long_text("Summary", rows=2)
    body = long_text("Article (Markdown)", rows=10)
    from_ticket = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)


class OrganizationsForm(forms.Form):
    organizations = forms.ModelMultipleChoiceField(
        Organization.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple,
        label="Only for these organizations",
        help_text="A public article: only their end users read it. Leave all unticked for every end user.")


class ArticleTransitionForm(forms.Form):
    state = forms.ChoiceField(choices=ArticleState.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ArticleQueue(QueuePage):
    kind = ARTICLE
    filterset = ArticleFilter
    transition_form = ArticleTransitionForm
    queues = [queue_page.standard_queues(ARTICLE)[slug] for slug in ("open", "mine", "recent")]
    default_queue = "open"
    filter_layout = [("q", "col-md-6 col-xl-4", False), ("state", "col-md-6 col-xl-8", True),
                     ("team", "col-sm-6 col-lg-3", False), ("assignee", "col-sm-6 col-lg-3", False)]
    show_caller = False
    placeholder = "e.g. VPN, KB0001001"
    new_url_name = "agent-article-new"


QUEUE = ArticleQueue()


class ArticlePage(TicketPage):
    kind = ARTICLE
    name = "agent-article"
    kept = (*TicketPage.kept, "category")
    fields_form = ArticleFieldsForm
    transition_form = ArticleTransitionForm
    side_templates = ("knowledge/_versions.html",)
    shows_priority = False  # an article has neither a priority nor service levels
    shows_sla = False
    fields_in_main = True  # the article is written here
    action_labels = {ArticleState.REVIEW: "Send to review", ArticleState.DRAFT: "Back to draft",
                     ArticleState.RETIRED: "Retire"}
    confirm = {ArticleState.RETIRED: "Retire {number}? Readers no longer find it."}

    def extra_context(self, request: HttpRequest, article: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        versions = list(article.versions.select_related("author", "approved_by")[:20])
        published = next((v for v in versions if v.pk == article.published_version_id), None)
        chosen = list(article.organizations.order_by("name"))
        return {"organizations": chosen, "organizations_form": overrides.pop("organizations_form", None)
                or OrganizationsForm(initial={"organizations": [org.pk for org in chosen]}),
                "article_preview": markdown(article.body, files.desk_files(article)), "article_versions": versions,
                "published": published,
                "published_files": files.version_files(published) if published is not None else [],
                "attachments_hint": ARTICLE_FILES_HINT,
                "helpful": services.helpfulness(article), "deflections": article.deflections.count(),
                "used_to_resolve": services.used_to_resolve(article),
                "comments": list(article.feedback.exclude(comment="").select_related("user")
                                 .order_by("-created_at")[:5])}


PAGE = ArticlePage()
ARTICLE_FILES_HINT = format_html(
    "Files stay with the desk until the article uses them: show an image with <code>{}</code>, link a file with "
    "<code>{}</code>. Readers get the files of the published version.",
    "![Description](attachment:file-name.png)", "[text](attachment:file-name.pdf)")


@require_POST
@permission_required("tickets.work")
def set_organizations(request: HttpRequest, number: str) -> HttpResponse:
    """Restrict a public article to organizations (reaching readers with its next published version)."""
    article = PAGE.load(request, number)
    form = OrganizationsForm(request.POST)
    if form.is_valid():
        try:
            services.set_organizations(article, request.user, form.cleaned_data["organizations"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"{number}: its readers are saved. They apply from its next published "
                                      "version.")
        return redirect(reverse("agent-article", args=[number]) + "#article-readers")
    return PAGE.render_page(request, article, status=400, organizations_form=form)


@permission_required("tickets.work")
def new_article(request: HttpRequest) -> HttpResponse:
    """Write a new article (a draft: the author is its requester and owner); `?from=<number>` drafts it from a
    ticket the author may see (its text and service; the article is linked to it)."""
    from core.models import LinkKind, Ticket
    from core.services import link_tickets
    from knowledge.desk import SUGGEST_ON, draft_from

    number = (request.POST.get("from_ticket") or request.GET.get("from", "")).strip()[:20]
    source = Ticket.objects.visible_to(request.user).filter(kind__in=SUGGEST_ON, number=number).first() \
        if number else None
    source = source and kinds.of(source).model.objects.get(pk=source.pk)  # its own fields (resolution notes...)
    initial: dict[str, Any] = {**draft_from(source), "from_ticket": source.number} if source is not None else {}
    bases = list(KnowledgeBase.objects.all()[:2])
    if len(bases) == 1:  # the only knowledge base there is
        initial["knowledge_base"] = bases[0]
    form = NewArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # the source ticket's team owns it when the author is in it, else the author's team; the author keeps it
        teams = Team.objects.filter(members=request.user.pk)
        team = (teams.filter(pk=source.team_id).first() if source is not None and source.team_id else None) \
            or teams.order_by("name").first()
        owner = {"team": team, "assignee": request.user} if team is not None else {}
        data = {key: value for key, value in form.cleaned_data.items() if key != "from_ticket"}
        if source is not None and source.service_id and source.service.active:
            data["service"] = source.service
        category = getattr(source, "category", None)
        if category is not None and category.parent_id is None and category.active:
            data["category"] = category
        try:
            with transaction.atomic():
                article = ARTICLE.action(writes.create)(ARTICLE, request.user, {**data, **owner})
                if source is not None:
                    link_tickets(article, source, LinkKind.RELATED, request.user)
        except ValidationError as exc:
            form.add_error(None, writes.error_text(exc))
        else:
            messages.success(request, f"{article.number} saved as a draft: send it to review when it is ready.")
            return redirect("agent-article", article.number)
    return render(request, "knowledge/new.html", {"form": form, "kind": ARTICLE, "source": source},
                  status=400 if form.is_bound else 200)


class PortalFilterForm(forms.Form):
    """The portal list's filters: a service, a category, a knowledge base, answers or known errors (each
    optional)."""

    service = forms.ModelChoiceField(Service.objects.none(), required=False, empty_label="Every service")
    category = forms.ModelChoiceField(Category.objects.none(), required=False, empty_label="Every category")
    knowledge_base = forms.ModelChoiceField(KnowledgeBase.objects.all(), required=False, to_field_name="slug",
                                            empty_label="Every knowledge base", label="Knowledge base")
    type = forms.ChoiceField(choices=[("", "Answers and known errors"), *ArticleType.choices], required=False,
                             label="Type")

    def __init__(self, *args: Any, articles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["service"])
        field.queryset = Service.objects.filter(pk__in=articles.values("service_id")).order_by("name")
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            pk__in=articles.values("category_id")).order_by("name")
        for name in self.fields:  # small selects under the search box; a change sends the form
            self.fields[name].widget.attrs.update({"class": "form-select form-select-sm", "data-auto-submit": ""})

    def apply(self, articles: Any) -> Any:
        """`articles` narrowed by the valid filters (an unknown value is ignored, with the form's error shown)."""
        if not self.is_valid():
            return articles
        data = self.cleaned_data
        if data.get("service"):
            articles = articles.filter(service=data["service"])
        if data.get("category"):
            articles = articles.filter(category=data["category"])
        if data.get("knowledge_base"):
            articles = articles.filter(knowledge_base=data["knowledge_base"])
        if data.get("type"):
            articles = articles.filter(article_type=data["type"])
        return articles


@permission_required("portal.use")
def portal_list(request: HttpRequest) -> HttpResponse:
    """The knowledge base in the portal: articles published to the user, newest first, or those matching words;
    narrowed by service, knowledge base or type."""
    query = request.GET.get("q", "").strip()[:100]
    readable_articles = readable(request.user)
    filters = PortalFilterForm(request.GET, articles=readable_articles)
    articles = filters.apply(readable_articles)
    context = {"query": query, "filters": filters, "several_bases": KnowledgeBase.objects.count() > 1}
    if query:  # the best matches, ranked, each with its snippet
        found = list(search.search(articles, query)[:SEARCH_RESULTS])
        services.log_search(query, len(found))
        for article in found:
            article.snippet_html = search.snippet(article.snippet_text)
        return render(request, "knowledge/portal_list.html", {**context, "found": found})
    page = CappedPaginator(articles.order_by("-published_version__published_at", "-pk"),
                           PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "knowledge/portal_list.html", {**context, "page": page, "page_numbers": page_numbers(page)})


@permission_required("portal.use")
def portal_article(request: HttpRequest, number: str) -> HttpResponse:
    """One article as readers get it: its last published version (anything else is 404)."""
    article = readable(request.user).select_related("category").filter(number=number).first()
    if article is None or article.published_version is None:
        raise Http404("No such article.")
    version = article.published_version
    services.record_view(article)
    mine = article.feedback.filter(user_id=cast(int, request.user.pk)).first()
    attached = files.version_files(version)
    return render(request, "knowledge/portal_article.html", {
        "article": article, "version": version, "html": markdown(version.body, files.reader_files(article, attached)),
        "files": [{"attachment": a, "url": files.reader_url(article, a)} for a in attached], "mine": mine,
        "helpful": services.helpfulness(article)})


@require_GET
def portal_file(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    """A file of an article's published version, for its readers (the browser's session or an API token): inert
    images inline, anything else as a download; 404 for anything else (a draft's file, a retired article...)."""
    user = file_user(request)
    if isinstance(user, HttpResponseBase):
        return user
    if not can(user, "portal.use"):
        raise PermissionDenied
    attachment = files.served(user, number, pk)
    if attachment is None:
        raise Http404("No such file.")
    return file_response(attachment, inline_images=True)


@require_POST
@permission_required("portal.use")
def feedback(request: HttpRequest, number: str) -> HttpResponse:
    """A reader's answer to "Was this helpful?": yes or no, and an optional comment (a second replaces the first)."""
    article = readable(request.user).filter(number=number).first()
    answer = request.POST.get("helpful", "")
    if article is None:
        raise Http404("No such article.")
    if answer not in ("yes", "no"):
        messages.error(request, "Choose yes or no.")
    else:
        services.give_feedback(article, request.user, answer == "yes", request.POST.get("comment", ""))
        messages.success(request, "Thank you: your answer helps us improve this article.")
    return redirect("portal-article", number)


@permission_required("tickets.work")
def versions_page(request: HttpRequest, number: str) -> HttpResponse:
    """The article's published versions: who published each and when, what changed between any two (`?a=`,
    `?b=`: by default the one before the newest and the newest), and a rollback to any of them."""
    article = PAGE.load(request, number)
    versions = list(article.versions.select_related("author", "approved_by"))
    by_number = {v.number: v for v in versions}

    def chosen(name: str, default: int) -> ArticleVersion | None:
        raw = request.GET.get(name, "")
        return by_number.get(int(raw)) if raw.isdigit() else by_number.get(default)

    newest = versions[0].number if versions else 0
    old, new = chosen("a", newest - 1), chosen("b", newest)
    changes = services.diff(old, new) if old is not None and new is not None and old != new else []
    return render(request, "knowledge/versions.html", {
        "ticket": article, "kind": ARTICLE, "versions": versions, "old": old, "new": new, "changes": changes,
        "may_roll_back": services.may_roll_back(article, request.user)})


@require_POST
@permission_required("tickets.work")
def roll_back(request: HttpRequest, number: str) -> HttpResponse:
    """Publish an earlier version's text again, as a new version."""
    article = PAGE.load(request, number)
    raw = request.POST.get("version", "")
    try:
        version = services.roll_back(article, int(raw) if raw.isdigit() else 0, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Version {version.number} published: readers get the text of version {raw} "
                                  "again.")
    return redirect("agent-article-versions", number)


SUGGESTIONS = 5
ATTEMPT = re.compile(r"^[0-9a-f]{32}$")


@permission_required("dashboards.view")
def report(request: HttpRequest) -> HttpResponse:
    """The knowledge report (managers)."""
    from knowledge import report as figures

    return render(request, "knowledge/report.html", figures.build())


@permission_required("portal.use")
def suggest(request: HttpRequest) -> HttpResponse:
    """The public articles matching the title being typed in the report form (htmx, debounced), each with "This
    solved my problem"."""
    text = request.GET.get("title", "").strip()[:200]
    attempt = request.GET.get("kb_attempt", "")
    found: list[Any] = []
    if len(text) >= 3 and ATTEMPT.match(attempt):
        found = list(search.search(readable(request.user), text)[:SUGGESTIONS])
    return render(request, "knowledge/_suggestions.html", {"found": found, "attempt": attempt})


@require_POST
@permission_required("portal.use")
def solved(request: HttpRequest, number: str) -> HttpResponse:
    """The end user's "This solved my problem": the report form ends without a ticket, counted once per attempt."""
    article = readable(request.user).filter(number=number).first()
    attempt = request.POST.get("kb_attempt", "")
    if article is None or article.published_version is None or not ATTEMPT.match(attempt):
        raise Http404("No such article.")
    services.deflect(article, request.user, attempt)
    messages.success(request, f"Glad “{article.published_version.title}” solved it: no ticket was needed. "
                              "You can still report an issue if it comes back.")
    if request.headers.get("HX-Request"):  # from the report form's suggestions: leave the form
        return HttpResponse(status=204, headers={"HX-Redirect": reverse("portal-home")})
    return redirect("portal-home")
