"""The knowledge article kind (KB...) on the shared ticket core. The whole desk reads every article; end users read
what is published to them (Ticket.public: the last published version of a public article), never drafts. A draft
sent to review asks its knowledge base's reviewers (core approvals, from My approvals or the API); their approval
publishes it as a new version, a rejection sends it back to draft with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from accounts.roles import Role, has_role
from core.kinds import Kind
from core.models import ApprovalRule, ApprovalState, Ticket, TicketKind
from knowledge.choices import ARTICLE_WORKFLOW, ArticleState, Audience

if TYPE_CHECKING:
    from core.unified_search import Group, Query


class ArticleKind(Kind):
    key = TicketKind.ARTICLE
    prefix = "KB"
    model_label = "knowledge.Article"
    label = "Knowledge article"
    label_plural = "Knowledge articles"
    workflow = ARTICLE_WORKFLOW
    agent_url_name = "agent-article"
    queue_url_name = "agent-articles"
    portal_url_name = "portal-article"
    choice_fields = {"state": ArticleState.choices, "audience": Audience.choices}
    end_users_see = False  # only through publication (Ticket.public), never as requester, watcher or colleague
    desk_reads_all = True
    end_user_create_fields = frozenset()
    end_user_update_fields = frozenset()
    agent_fields = frozenset({"title", "description", "body", "keywords", "audience", "valid_until", "team",
                              "assignee", "service", "category", "state", "knowledge_base"})
    internal_fields = agent_fields | {"priority", "impact"}
    search_group_key = "articles"  # the unified search lists articles apart: their published versions, ranked

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """End users read; only the desk writes."""
        if user is not None and not has_role(user, Role.AGENT):
            return False
        return None

    def clean(self, ticket: Any, actor: Any, data: dict[str, Any]) -> None:
        """An article is filed under an active top-level category."""
        from incidents.models import check_top_level

        check_top_level(data.get("category"), getattr(ticket, "category_id", None))

    def transition_errors(self, ticket: Any, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        """Review: a body to review. Published: only by its reviewers' approval."""
        if target == ArticleState.REVIEW and not (ticket.body or "").strip():
            return {"body": ["Write the article before sending it to review."]}
        if target == ArticleState.PUBLISHED and fields.get("from_problem") and ticket.known_error_of_id:
            return {}  # a known error: its problem publishes it (knowledge.known_errors)
        if target == ArticleState.PUBLISHED:
            latest = ticket.approvals.order_by("-requested_at", "-pk").first()
            if latest is None or latest.state != ApprovalState.APPROVED:
                return {"state": ["An article is published when its reviewers approve it: send it to review."]}
        return {}

    def after_transition(self, ticket: Any, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        """To review: its reviewers are asked. Leaving review otherwise: the question is withdrawn. Published: a new
        version readers get. Retired: hidden from readers."""
        from core import approvals
        from knowledge import services

        if target == ArticleState.REVIEW and fields.get("from_problem"):
            pass  # a known error: its problem publishes it next (knowledge.known_errors), nobody is asked
        elif target == ArticleState.REVIEW:
            approvals.ask(ticket, services.reviewers(ticket), ApprovalRule.ANY, 1, actor,
                          label=f"Reviewers of {ticket.knowledge_base.name}")
        elif current == ArticleState.REVIEW and target != ArticleState.PUBLISHED:
            approvals.withdraw(ticket, actor)
        if target == ArticleState.PUBLISHED:
            services.publish(ticket, actor)
        elif target == ArticleState.RETIRED:
            Ticket.objects.filter(pk=ticket.pk).update(public=False)

    def approval_decided(self, ticket: Any, approval: Any, actor: Any, comment: str) -> None:
        """Approved: published. Rejected: back to draft, the reason in a work note."""
        from core import services as core
        from core.writes import move

        if ticket.state != ArticleState.REVIEW:
            return
        if approval.state == ApprovalState.APPROVED:
            move(self, ticket, actor, ArticleState.PUBLISHED)
            return
        move(self, ticket, None, ArticleState.DRAFT)
        reason = f": {comment}" if comment else "."
        core.add_comment(ticket, actor, f"Sent back to draft by {getattr(actor, 'display_name', 'a reviewer')}"
                                        f"{reason}", internal=True)

    def side_panels(self, ticket: Ticket, user: Any) -> list[dict[str, Any]]:
        """On an incident's or a problem's page, for the desk: the articles that may answer it; on a problem's,
        its known-error article too."""
        from knowledge import desk

        if ticket.kind not in desk.SUGGEST_ON or not has_role(user, Role.AGENT):
            return []
        known_error = [desk.known_error_panel(ticket)] if ticket.kind == TicketKind.PROBLEM else []
        return [*known_error, desk.suggestions_panel(ticket)]

    def search_group(self, user: Any, query: Query) -> Group:
        """The "Knowledge articles" group of the unified search (knowledge.unified)."""
        from knowledge import unified

        return unified.group(user, query)

    def queue_summaries(self, user: Any) -> list[dict[str, Any]]:
        """The articles being written or reviewed (a count through the access rule), on the workspace home."""
        if not has_role(user, Role.AGENT):
            return []
        from django.urls import reverse

        from core.queue_page import SavedQueue, summary
        from knowledge.views import QUEUE

        saved = {queue.slug: queue for queue in QUEUE.queues}
        return [summary(SavedQueue("articles-open", "Knowledge articles", "Drafts and articles in review."),
                        QUEUE.queue_queryset(user, saved["open"]).order_by(), f"{reverse(self.queue_url_name)}"
                                                                                f"?queue=open")]


ARTICLE = ArticleKind()
