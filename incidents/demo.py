"""Demo incidents for `seed_demo`: categories, an assignment rule, and about twenty incidents raised and worked
through incidents.services (like the browser and the API), back in time so SLA clocks are in every stage. An
incident whose title its requester already has is skipped, so seeding twice adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accounts.models import Team, User
from catalog.models import Service
from core import clock
from incidents import services as incident_services
from incidents.choices import State
from incidents.models import AssignmentRule, Category, Incident

# SLA definitions first, so the incidents' clocks start when they are raised.
SEED_AFTER = ("accounts", "catalog", "sla")

CATEGORIES = {
    "Hardware": ["Laptop", "Monitor", "Printer"],
    "Software": ["Error message", "Installation"],
    "Network": ["VPN", "Wi-Fi"],
    "Access": ["Password reset", "Permissions"],
}
# (requester, title, service, category, subcategory, urgency, steps). Steps are (action, actor, *arguments).
INCIDENTS = [
    ("user1", "Outlook keeps asking for my password", "email", "Access", "Password reset", 2, [
        ("take", "agent1"), ("comment", "agent1", "Could you tell me when this started? Did you change your "
                                                  "password recently?"),
        ("comment", "user1", "Yesterday, right after I changed it."),
        ("note", "agent1", "Stale credentials in Windows Credential Manager; remote session booked."),
    ]),
    ("user1", "Laptop battery drains in one hour", "laptops", "Hardware", "Laptop", 2, [
        ("take", "agent1"), ("hold", "agent1", "awaiting_vendor"),
        ("note", "agent1", "Battery replacement ordered from the vendor, RMA 48213."),
    ]),
    ("user1", "Cannot print to the 2nd floor printer", "printing", "Hardware", "Printer", 3, [
        ("take", "agent1"), ("comment", "agent1", "The print queue was stuck; I restarted it. Please try again."),
        ("resolve", "agent1", "solved", "Restarted the print spooler on the print server."),
    ]),
    ("user1", "Payslip for last month is missing", "payroll", "Software", "Error message", 2, [
        ("take", "agent1"), ("resolve", "agent1", "solved", "The payslip was re-published by payroll."),
        ("close", "user1"),
    ]),
    ("user1", "VPN disconnects every few minutes", "vpn", "Network", "VPN", 1, [
        ("impact", "agent2", 2), ("take", "agent2"),
        ("note", "agent2", "Seen on three clients since the gateway update; checking the keep-alive settings."),
    ]),
    ("user1", "Second monitor stays black", "laptops", "Hardware", "Monitor", 3, []),
    ("user1", "Need Visio installed", "laptops", "Software", "Installation", 3, [
        ("take", "agent1"), ("hold", "agent1", "awaiting_caller"),
        ("comment", "agent1", "Which version of Visio do you need, and has your manager approved the licence?"),
    ]),
    ("user2", "Shared mailbox 'sales' not visible", "email", "Access", "Permissions", 2, [
        ("take", "agent1"), ("comment", "agent1", "I have added you to the sales group; it can take an hour."),
    ]),
    ("user2", "Wi-Fi very slow in meeting room B", "wifi", "Network", "Wi-Fi", 2, []),
    ("user2", "Excel crashes when opening large files", "laptops", "Software", "Error message", 2, [
        ("take", "agent1"), ("resolve", "agent1", "workaround", "Opened the file in the 64-bit version; an "
                                                               "upgrade is planned."),
    ]),
    ("user2", "Scanner sends e-mails to the wrong address", "printing", "Hardware", "Printer", 3, [
        ("take", "agent1"), ("resolve", "agent1", "user_error", "The address book entry was wrong; corrected."),
        ("reopen", "user2", "It still goes to my old address."),
    ]),
    ("user2", "Forgot my payroll password", "payroll", "Access", "Password reset", 1, [
        ("cancel", "user2"),
    ]),
    ("user1", "E-mail delivery delayed by hours", "email", "Software", "Error message", 1, [
        ("impact", "agent1", 1), ("major", "manager"), ("take", "agent1"),
        ("note", "agent1", "Mail queue backlog on the relay; vendor case opened."),
        ("comment", "agent1", "We know about the delays and are working on it with our provider."),
    ]),
    ("user1", "Keyboard missing keys", "laptops", "Hardware", "Laptop", 3, []),
    ("user2", "Cannot connect to Wi-Fi on new phone", "wifi", "Network", "Wi-Fi", 3, [
        ("take", "agent2"), ("hold", "agent2", "awaiting_caller"),
        ("comment", "agent2", "Which phone model is it, and which network name do you see?"),
    ]),
    ("user1", "VPN client will not install", "vpn", "Software", "Installation", 2, [
        ("take", "agent2"), ("resolve", "agent2", "solved", "Installed the current client from the software centre."),
    ]),
    ("user1", "Printer jams on every page", "printing", "Hardware", "Printer", 3, [
        ("take", "agent1"), ("resolve", "agent1", "not_reproducible", "Printed 50 pages without a jam."),
        ("close", "user1"),
    ]),
    ("user2", "Calendar invitations arrive twice", "email", "Software", "Error message", 3, [
        ("assign", "agent1", "service-desk"),
    ]),
    ("user1", "Access to the finance share", "laptops", "Access", "Permissions", 2, [
        ("take", "agent1"), ("hold", "agent1", "awaiting_change"),
        ("note", "agent1", "Needs the quarterly permissions change; linked to the change calendar."),
    ]),
    ("user2", "VPN password expired", "vpn", "Access", "Password reset", 1, []),
]



def seed_categories(teams: dict[str, Team]) -> dict[tuple[str, str], Category]:
    """Categories with subcategories, and one assignment rule (network problems go to Network)."""
    categories: dict[tuple[str, str], Category] = {}
    for top, children in CATEGORIES.items():
        parent, _ = Category.objects.get_or_create(name=top, parent=None)
        categories[(top, "")] = parent
        for child in children:
            categories[(top, child)] = Category.objects.get_or_create(name=child, parent=parent)[0]
    AssignmentRule.objects.get_or_create(
        category=categories[("Network", "")], service=None, defaults={"team": teams["network"], "order": 10}
    )
    return categories


def run_step(incident: Incident, step: tuple, users: dict[str, User], teams: dict[str, Team]) -> Incident:
    """One demo action, through the same service functions as the browser and the API."""
    action, actor, *args = step
    actor = users[actor]
    if action == "take":
        return incident_services.take(incident, actor)
    if action == "assign":
        # the manager dispatches the incident to `actor` in team args[0]
        return incident_services.update_incident(incident, users["manager"], {"team": teams[args[0]],
                                                                              "assignee": actor})
    if action in ("comment", "note"):
        incident_services.add_comment(incident, actor, args[0], internal=action == "note")
        return Incident.objects.get(pk=incident.pk)
    if action == "impact":
        return incident_services.update_incident(incident, actor, {"impact": args[0]})
    if action == "major":
        return incident_services.update_incident(incident, actor, {"major": True})
    if action == "hold":
        return incident_services.transition(incident, actor, State.ON_HOLD, hold_reason=args[0])
    if action == "resolve":
        return incident_services.transition(incident, actor, State.RESOLVED, resolution_code=args[0],
                                            resolution_notes=args[1])
    if action == "reopen":
        return incident_services.transition(incident, actor, State.IN_PROGRESS, comment=args[0])
    if action == "close":
        return incident_services.transition(incident, actor, State.CLOSED)
    if action == "cancel":
        return incident_services.transition(incident, actor, State.CANCELLED)
    raise ValueError(f"unknown demo step {action!r}")



# How long ago each demo incident was raised (hours), so SLA timers are in every stage on the first run:
# some met, some breached, some near breach, some paused.
OPENED_HOURS_AGO = [30, 6, 26, 50, 3, 2, 20, 7, 0.4, 100, 12, 5, 5, 0.2, 28, 40, 70, 0.3, 9, 0.5]



def seed_incidents(users: dict[str, User], teams: dict[str, Team], services: dict[str, Service],
                   categories: dict[tuple[str, str], Category]) -> int:
    """Raise the demo incidents that do not exist yet, back in time; returns how many were created.

    Each is raised at its moment in OPENED_HOURS_AGO and triaged (impact 2) unless its steps set the impact;
    its steps follow a few minutes apart, so the SLA clocks count real (business) time.
    """
    created = 0
    now = clock.now()
    for index, (requester, title, service, category, subcategory, urgency, steps) in enumerate(INCIDENTS):
        if Incident.objects.filter(requester=users[requester], title=title).exists():
            continue
        opened = now - timedelta(hours=OPENED_HOURS_AGO[index % len(OPENED_HOURS_AGO)])
        gap = min(timedelta(minutes=25), (now - opened) / (len(steps) + 2))
        with clock.frozen(opened):
            incident = incident_services.create_incident(users[requester], {
                "title": title, "urgency": urgency, "service": services[service],
                "category": categories[(category, "")], "subcategory": categories[(category, subcategory)],
                "description": f"{title}. Reported from the portal by {users[requester].display_name}.",
            })
            if not any(step[0] == "impact" for step in steps):
                clock.travel(gap / 2)
                triager = users["agent2" if incident.team_id == teams["network"].pk else "agent1"]
                incident = incident_services.update_incident(incident, triager, {"impact": 2})
            for step in steps:
                clock.travel(gap)
                incident = run_step(incident, step, users, teams)
        created += 1
    return created



def seed(demo: Any) -> None:
    """Categories, the assignment rule and the demo incidents; records how many incidents were new."""
    categories = seed_categories(demo.teams)
    demo.created["incident"] = seed_incidents(demo.users, demo.teams, demo.services, categories)
