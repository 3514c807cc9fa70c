"""The unified search in the API: GET /api/v1/search/?q= answers {"articles": [...], "tickets": [...]}, what the top
bar's search box finds (core.unified_search) with the same rules: every ticket the caller may see through the access
rule, matching a number exactly or the words of its title and description; and the knowledge articles they read,
ranked, with a highlighted snippet. The desk's hits link to the workspace's pages, an end user's to the portal's.
A number the caller may not see finds nothing, like one that does not exist. `q` is required, at most 200 characters.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import can
from core import unified_search
from core.api.permissions import role_permission
from core.api.serializers import StrictInputMixin


class SearchQuerySerializer(StrictInputMixin, serializers.Serializer):
    q = serializers.CharField(max_length=unified_search.MAX_LENGTH, trim_whitespace=True,
                              help_text="Words of a title or description (an article's text), or a number such "
                                        "as INC0001234 or KB0001001 (that one ticket or article, if the caller may "
                                        "see it).")


class SearchHitSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Its page: in the workspace for the service desk, in the "
                                                          "portal for end users.")
    kind = serializers.CharField(read_only=True, help_text="The kind of ticket (incident, problem, article...).")
    kind_label = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                           help_text="Its last change (an article: its published version's time).")


class SearchArticleSerializer(SearchHitSerializer):
    snippet = serializers.CharField(read_only=True, help_text="Where the words matched (HTML: the text escaped, the "
                                                              "matches in <mark>); empty for a number or a draft.")


class SearchResultsSerializer(serializers.Serializer):
    articles = SearchArticleSerializer(many=True, read_only=True,
                                       help_text="Knowledge articles the caller reads, the best match first (at most "
                                                 f"{unified_search.LIMIT}).")
    tickets = SearchHitSerializer(many=True, read_only=True,
                                  help_text="Tickets of every kind the caller may see, the most recently updated first "
                                            f"(at most {unified_search.LIMIT}).")
    articles_more = serializers.BooleanField(read_only=True, help_text="More articles match than listed.")
    tickets_more = serializers.BooleanField(read_only=True, help_text="More tickets match than listed.")


class SearchView(APIView):
    """Tickets and knowledge articles at once, by words or by number (anyone signed in; what each may see)."""

    permission_classes = [IsAuthenticated, role_permission("portal.use")]

    @extend_schema(summary="Search tickets and knowledge articles (the search box of the portal and the workspace)",
                   parameters=[SearchQuerySerializer], responses={200: SearchResultsSerializer})
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = unified_search.run(request.user, query.validated_data["q"], desk=can(request.user, "tickets.work"))
        articles, tickets = results.group("articles"), results.group(unified_search.TICKETS)
        body: dict[str, Any] = {"articles": articles.hits, "tickets": tickets.hits,
                                "articles_more": articles.more, "tickets_more": tickets.more}
        return Response(SearchResultsSerializer(body).data)
