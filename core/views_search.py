"""The results page of the search box in the top bar (core.unified_search): /portal/search/?q= for end users and
/agent/search/?q= for the desk. A number typed in full that the user may see opens its page at once; one they may
not see finds nothing, as if it did not exist."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core import unified_search
from core.permissions import permission_required


def results_page(request: HttpRequest, *, desk: bool) -> HttpResponse:
    """Both groups for `?q=`, or the number's page; a text over the limit is refused (400) with the reason."""
    text = request.GET.get("q", "")
    error = ""
    results = None
    if len(text) > unified_search.MAX_LENGTH:
        error = f"Search with at most {unified_search.MAX_LENGTH} characters (this has {len(text):,})."
    else:
        results = unified_search.run(request.user, text, desk=desk)
        exact = results.exact
        if exact is not None:
            return redirect(exact.url)
    return render(request, "search/results.html", {
        "query": results.query.text if results is not None else "", "typed": text[:unified_search.MAX_LENGTH],
        "error": error, "results": results, "desk": desk, "max_length": unified_search.MAX_LENGTH,
    }, status=400 if error else 200)


@permission_required("portal.use")
def portal_search(request: HttpRequest) -> HttpResponse:
    """The portal's search: the user's own tickets (and their organization's, where it shares) and the answers
    published to them, linked to their portal pages."""
    return results_page(request, desk=False)


@permission_required("tickets.work")
def agent_search(request: HttpRequest) -> HttpResponse:
    """The workspace's search: every ticket the agent may see, of every kind, and the knowledge (with the drafts),
    linked to the desk's pages."""
    return results_page(request, desk=True)
