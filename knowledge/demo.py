"""Demo knowledge for `seed_demo`: an "IT help" knowledge base reviewed by the Network team, with public answers
end users find in the portal (the VPN, a password reset, a printer jam) and an internal one for the desk, each
published through its review; a second version of the printer article; and a new version of the VPN article being
written (readers keep version 1); and the print spooler problem's known error, published to the portal."""

from __future__ import annotations

from typing import Any

from core import approvals, writes
from core.models import ApprovalVote
from knowledge import known_errors
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, KnowledgeBase
from problems.models import Problem

SEED_AFTER = ("accounts", "catalog", "problems")

ARTICLES = [
    ("Connect to the VPN from home", "vpn", Audience.PUBLIC, "vpn, remote, anyconnect, home",
     "The VPN client, step by step, and what to do when it says “login failed”.",
     "## Before you start\n\nYou need your company laptop and your password.\n\n## Connect\n\n1. Open **AnyConnect** "
     "from the Start menu.\n2. Type `vpn.example.com` and choose **Connect**.\n3. Sign in with your usual password."
     "\n\n## “Login failed”\n\n- Check Caps Lock.\n- If your password expired, [reset it](/portal/catalog/"
     "password-reset/) first.\n"),
    ("Reset a forgotten password", "email", Audience.PUBLIC, "password, locked out, reset, login",
     "Locked out? How to get a new password in five minutes.",
     "1. Order **Password reset** from the catalog.\n2. The desk calls you back at the number you give.\n3. Choose "
     "a new password of at least **12 characters**.\n\n> Never send your password by e-mail: the desk never asks "
     "for it.\n"),
    ("Clear a paper jam on the office printers", "printing", Audience.PUBLIC, "printer, paper jam, tray",
     "Most jams clear in a minute: where to look.",
     "| Where | What to do |\n|---|---|\n| Tray 2 | Pull it out, remove the sheet, push it back. |\n| Back door | "
     "Open it, pull the sheet *towards you*. |\n\nStill blinking? Report an issue and say which printer.\n"),
    ("Restart the VPN concentrator safely", "vpn", Audience.INTERNAL, "vpn, concentrator, restart, network",
     "For the desk: the order that keeps sessions alive.",
     "1. Drain the standby node.\n2. Fail over.\n3. Restart the drained node and check `show vpn-sessiondb`.\n"),
]


def seed(demo: Any) -> None:
    """Create the knowledge base and its articles once (each published through its review)."""
    users, teams = getattr(demo, "users", {}), getattr(demo, "teams", {})
    author, reviewer = users.get("agent1"), users.get("agent2")
    if author is None or reviewer is None:
        return
    kb, _ = KnowledgeBase.objects.update_or_create(slug="it-help", defaults={
        "name": "IT help", "description": "Answers to the questions the desk hears most.",
        "reviewers": teams.get("network")})
    services = getattr(demo, "services", {})
    for title, service, audience, keywords, summary, body in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        article = writes.create(ARTICLE, author, {
            "title": title, "description": summary, "body": body, "keywords": keywords, "audience": audience,
            "knowledge_base": kb, "service": services.get(service), "team": teams.get("service-desk"),
            "assignee": author})
        writes.transition(ARTICLE, article, author, ArticleState.REVIEW)
        vote = ApprovalVote.objects.filter(approval__ticket_id=article.pk, approver=reviewer).latest("pk")
        approvals.decide(vote, reviewer, approve=True, comment="Clear, thanks.")
    printer = Article.objects.filter(title=ARTICLES[2][0], state=ArticleState.PUBLISHED).first()
    if printer is not None and printer.versions.count() == 1:  # a second version, published (see its versions)
        writes.transition(ARTICLE, printer, author, ArticleState.DRAFT)
        writes.update(ARTICLE, Article.objects.get(pk=printer.pk), author, {
            "body": printer.body.replace("Still blinking?", "| Toner door | Close it firmly until it clicks. |\n\n"
                                                           "Still blinking?")})
        writes.transition(ARTICLE, Article.objects.get(pk=printer.pk), author, ArticleState.REVIEW)
        vote = ApprovalVote.objects.filter(approval__ticket_id=printer.pk, approver=reviewer).latest("pk")
        approvals.decide(vote, reviewer, approve=True)
    vpn = Article.objects.filter(title=ARTICLES[0][0], state=ArticleState.PUBLISHED).first()
    if vpn is not None and vpn.versions.count() == 1:  # the next version is being written
        writes.transition(ARTICLE, vpn, author, ArticleState.DRAFT)
        writes.update(ARTICLE, Article.objects.get(pk=vpn.pk), author, {
            "body": vpn.body + "\n## On a hotel Wi-Fi\n\nOpen a web page first to accept the hotel's terms.\n"})
    spooler = Problem.objects.filter(title="Print spooler stalls during the nightly backup", known_error=True).first()
    if spooler is not None and known_errors.article_of(spooler) is None:
        known_errors.publish(spooler, author, kb, Audience.PUBLIC)
