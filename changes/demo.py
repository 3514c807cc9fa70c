"""Demo changes for `seed_demo`: the approver groups and approval policies (a CAB of the manager and the network
lead, an emergency CAB of the manager), a standard change scheduled for the weekend, and the high-risk change that
fixes the VPN problem, waiting for its CAB. Seeding twice adds nothing (a change whose title exists is skipped)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from catalog.models import Service
from changes import risk
from changes.choices import ChangeType, Risk, State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy, RiskQuestion, StandardChangeTemplate
from core import clock, raised_from, writes
from core.models import ApprovalRule, ApproverGroup
from problems.models import Problem

SEED_AFTER = ("accounts", "catalog", "incidents", "problems")
PLANS = {
    "implementation_plan": "1. Announce the window. 2. Apply the update. 3. Check the service.",
    "backout_plan": "Restore the snapshot taken before the update.",
    "test_plan": "Log in, open a mailbox, send a test message.",
}


def seed_approvals(demo: Any) -> None:
    """A CAB (any one approves a normal change; every member a high-risk one) and an emergency CAB."""
    cab, _ = ApproverGroup.objects.get_or_create(name="Change Advisory Board", defaults={
        "description": "Authorises normal changes before the change manager's final say."})
    cab.members.add(demo.users["manager"], demo.users["agent2"])
    ecab, _ = ApproverGroup.objects.get_or_create(name="Emergency CAB", defaults={
        "description": "Authorises emergency changes, fast."})
    ecab.members.add(demo.users["manager"])
    for change_type, level, group, rule in [
            (ChangeType.NORMAL, "", cab, ApprovalRule.ANY), (ChangeType.NORMAL, Risk.HIGH, cab, ApprovalRule.ALL),
            (ChangeType.NORMAL, Risk.VERY_HIGH, cab, ApprovalRule.ALL),
            (ChangeType.EMERGENCY, "", ecab, ApprovalRule.ANY)]:
        ApprovalPolicy.objects.get_or_create(change_type=change_type, risk=level,
                                             defaults={"group": group, "rule": rule})


RISK_QUESTIONS = [
    ("How many users would an outage affect?", [("A few people", 0), ("A department", 2), ("Everybody", 4)]),
    ("Has this change been done here before?", [("Often, without trouble", 0), ("Once or twice", 1),
                                                ("Never", 3)]),
    ("Can it be backed out quickly?", [("Yes, in minutes", 0), ("In about an hour", 2), ("No", 4)]),
    ("Does it touch a service in business hours?", [("No", 0), ("Yes", 2)]),
]


def seed_risk_questions() -> None:
    """The risk questionnaire (four questions, highest score 13)."""
    for order, (text, answers) in enumerate(RISK_QUESTIONS):
        question, created = RiskQuestion.objects.get_or_create(text=text, defaults={"order": order})
        if created:
            for rank, (answer, weight) in enumerate(answers):
                question.answers.create(text=answer, weight=weight, order=rank)


def seed(demo: Any) -> None:
    """Two changes, worked through core.writes and changes.services."""
    agent, manager = demo.users["agent1"], demo.users["manager"]
    seed_approvals(demo)
    seed_risk_questions()
    created = 0
    saturday = (clock.now() + timedelta(days=(5 - clock.now().weekday()) % 7 or 7)).replace(
        hour=22, minute=0, second=0, microsecond=0)
    template, _ = StandardChangeTemplate.objects.get_or_create(name="Monthly security updates (mail)", defaults={
        "title": "Monthly security updates of the mail servers", "risk": Risk.LOW,
        "service": Service.objects.filter(slug="email").first(), **PLANS})
    if not CHANGE.model.objects.filter(title="Monthly security updates of the mail servers").exists():
        change = writes.create(CHANGE, agent, {**template.change_data(), "planned_start": saturday,
                                               "planned_end": saturday + timedelta(hours=2)})
        writes.take(CHANGE, change, agent)
        writes.transition(CHANGE, change, agent, State.SCHEDULED)
        created += 1
    vpn = Problem.objects.filter(title="VPN drops every 8 hours").first()
    if vpn is not None and not CHANGE.model.objects.filter(title__startswith=f"Fix for {vpn.number}").exists():
        change = raised_from.raise_for(CHANGE, agent, {**CHANGE.fields_from(vpn), "change_manager": manager,
                                                       "risk": Risk.HIGH, **PLANS}, [vpn])
        writes.take(CHANGE, change, agent)
        writes.update(CHANGE, change, agent, {"planned_start": saturday + timedelta(days=7),
                                              "planned_end": saturday + timedelta(days=7, hours=3)})
        writes.transition(CHANGE, change, agent, State.ASSESS)
        answers = {"Everybody", "Once or twice", "In about an hour", "No"}  # 7 of 13: high
        risk.assess(change, agent, {question.pk: next(a.pk for a in question.answers.all() if a.text in answers)
                                    for question in risk.questions()})
        writes.transition(CHANGE, change, agent, State.AUTHORIZE)
        created += 1
    demo.created["change"] = created
