"""Demo services for `seed_demo`, each supported by a demo team, and a small service catalog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from catalog.choices import Approver
from catalog.models import (
    AccessGrant,
    AccessSystem,
    CatalogCategory,
    CatalogItem,
    GrantState,
    ItemType,
    Service,
    VariableType,
)

SEED_AFTER = ("accounts",)

SERVICES = [
    {"slug": "email", "name": "E-mail", "support": "service-desk", "criticality": 3,
     "description": "Mailboxes, calendars and shared mailboxes."},
    {"slug": "laptops", "name": "Laptops and desktops", "support": "service-desk", "criticality": 2,
     "description": "Company computers, docking stations and screens."},
    {"slug": "printing", "name": "Printing", "support": "service-desk", "criticality": 1,
     "description": "Office printers and scanners."},
    {"slug": "payroll", "name": "Payroll", "support": "service-desk", "criticality": 4,
     "description": "The payroll application and payslips."},
    {"slug": "vpn", "name": "VPN", "support": "network", "criticality": 3,
     "description": "Remote access to the company network."},
    {"slug": "wifi", "name": "Office Wi-Fi", "support": "network", "criticality": 2,
     "description": "Wireless network in every office."},
]


def seed(demo: Any) -> None:
    """Create or refresh the services (`demo.services`, by slug)."""
    demo.services = {
        spec["slug"]: Service.objects.update_or_create(slug=spec["slug"], defaults={
            "name": spec["name"], "description": spec["description"], "criticality": spec["criticality"],
            "support_team": demo.teams[spec["support"]], "owner_team": demo.teams[spec["support"]], "active": True,
        })[0]
        for spec in SERVICES
    }
    seed_catalog(demo)


CATEGORIES = [("hardware", "Hardware", "laptop", "Computers, screens and phones."),
              ("software", "Software", "app-indicator", "Installations and licences."),
              ("access", "Access", "key", "Access to shared folders, applications and groups."),
              ("people", "People", "person-plus", "New joiners, movers and leavers."),
              ("help", "Get help", "tools", "When something does not work.")]


def seed_catalog(demo: Any) -> None:
    """A small catalog a newcomer recognises: a new laptop or desktop (the monitor size only for a desktop;
    approved by the requester's manager; its plan: prepare it, then deliver it and check the network port in
    parallel), a software installation (approved
    by the requester's manager: Uma's is Maya), and a password reset that raises an incident."""
    users = getattr(demo, "users", {})
    if "user1" in users and "manager" in users and users["user1"].manager_id is None:
        users["user1"].manager = users["manager"]
        users["user1"].save(update_fields=["manager"])
    categories = {slug: CatalogCategory.objects.update_or_create(slug=slug, defaults={
        "name": name, "icon": icon, "description": text, "order": n})[0]
        for n, (slug, name, icon, text) in enumerate(CATEGORIES)}
    laptop, created = CatalogItem.objects.get_or_create(slug="new-computer", defaults={
        "name": "New computer", "category": categories["hardware"], "delivery_days": 5,
        "short_description": "A laptop or a desktop with its screen, set up for you.",
        "description": "Choose the model; a desktop comes with a monitor of the size you pick.",
        "service": demo.services["laptops"]})
    if created:
        kind = laptop.variables.create(name="type", label="Laptop or desktop", var_type=VariableType.CHOICE,
                                       required=True, choices="Laptop\nDesktop", order=1)
        laptop.variables.create(name="model", label="Model", var_type=VariableType.CHOICE, required=True,
                                choices="Standard 14\"\nPerformance 16\"", order=2)
        laptop.variables.create(name="monitor_size", label="Monitor size", var_type=VariableType.CHOICE,
                                required=True, choices="24\"\n27\"", order=3, show_when=kind,
                                show_when_value="Desktop")
        laptop.variables.create(name="needed_by", label="Needed by", var_type=VariableType.DATE, order=4,
                                help_text="When the new joiner starts, for example.")
        laptop.variables.create(name="notes", label="Anything else", var_type=VariableType.TEXTAREA, order=5,
                                max_value=1000)
        laptop.approval_steps.create(order=1, approver=Approver.MANAGER)
        laptop.plan.create(stage=1, title="Prepare the computer", instructions="Image it, enrol it, label it.")
        laptop.plan.create(stage=2, order=1, title="Deliver and set it up at the desk")
        laptop.plan.create(stage=2, order=2, title="Check the network port at the desk",
                           team=demo.services["vpn"].support_team if "vpn" in demo.services else None)
    software, created = CatalogItem.objects.get_or_create(slug="software-install", defaults={
        "name": "Software installation", "category": categories["software"], "delivery_days": 2,
        "short_description": "Install an approved application on your computer.",
        "service": demo.services["laptops"]})
    if created:
        software.variables.create(name="application", label="Application", var_type=VariableType.CHOICE,
                                  required=True, choices="Visio\nProject\nAdobe Acrobat Pro", order=1)
        software.variables.create(name="reason", label="What you need it for", var_type=VariableType.TEXT,
                                  required=True, min_value=10, max_value=300, order=2)
        software.approval_steps.create(order=1, approver=Approver.MANAGER)  # a licence costs money
        software.plan.create(stage=1, title="Install the application", instructions="From the software centre.")
    reset, created = CatalogItem.objects.get_or_create(slug="password-reset", defaults={
        "name": "Password reset", "category": categories["help"], "item_type": ItemType.RECORD_PRODUCER,
        "short_description": "Locked out? Ask for a new password: the desk calls you back."})
    if created:
        reset.variables.create(name="summary", label="Which account", var_type=VariableType.CHOICE, required=True,
                               choices="Windows login\nE-mail\nPayroll", order=1)
        reset.variables.create(name="phone", label="A phone number to call you back", var_type=VariableType.TEXT,
                               required=True, pattern=r"\+?[0-9 ()-]{6,20}",
                               pattern_message="A phone number, like +33 1 23 45 67 89.", order=2)
    seed_access(demo, categories)
    seed_onboarding(demo, categories)


def seed_access(demo: Any, categories: dict[str, CatalogCategory]) -> None:
    """Access management: the Finance shared folder (owned by Maya, at most 180 days, always with an end date) and
    the payroll application, their items, the "Revoke access" item, and Uma's read access to the folder that
    ends in three weeks (so My access and the register show something, and its expiry is swept one day)."""
    users = getattr(demo, "users", {})
    desk = getattr(demo, "teams", {}).get("service-desk")
    folder, _ = AccessSystem.objects.update_or_create(name="Finance shared folder", defaults={
        "description": "\\\\files\\finance: budgets, invoices and forecasts.", "levels": "Read\nRead and write",
        "owner": users.get("manager"), "team": desk, "end_date_required": True, "max_days": 180,
        "service": demo.services.get("email")})
    payroll, _ = AccessSystem.objects.update_or_create(name="Payroll application", defaults={
        "description": "Payslips and payroll runs.", "levels": "Payslips only\nPayroll officer",
        "owner": users.get("manager"), "team": desk, "service": demo.services.get("payroll")})
    for system, slug, text in [(folder, "finance-folder-access", "Read or change the finance team's files."),
                               (payroll, "payroll-access", "Payslips, or the payroll officer's screens.")]:
        item, created = CatalogItem.objects.get_or_create(slug=slug, defaults={
            "name": f"Access to the {system.name[0].lower()}{system.name[1:]}", "category": categories["access"],
            "item_type": ItemType.ACCESS, "access_system": system, "short_description": text, "delivery_days": 1,
            "service": system.service})
        if created:
            item.variables.create(name="reason", label="What you need it for", var_type=VariableType.TEXT,
                                  required=True, min_value=5, max_value=300, order=1)
    CatalogItem.objects.get_or_create(slug="revoke-access", defaults={
        "name": "Revoke access", "category": categories["access"], "item_type": ItemType.REVOKE_ACCESS,
        "short_description": "Give up access you no longer need: the team that runs it removes it."})
    uma = users.get("user1")
    if uma is not None and not AccessGrant.objects.filter(person=uma, system=folder).exists():
        AccessGrant.objects.create(person=uma, system=folder, level="Read", state=GrantState.ACTIVE,
                                   granted_at=timezone.now() - timedelta(days=60), granted_by=users.get("agent1"),
                                   until=timezone.localdate() + timedelta(days=21))


def seed_onboarding(demo: Any, categories: dict[str, CatalogCategory]) -> None:
    """New-joiner onboarding: approved by the requester's manager; IT (accounts, a laptop) and facilities (a desk
    and a badge) prepare in parallel, then a welcome session on the first day."""
    item, created = CatalogItem.objects.get_or_create(slug="new-joiner", defaults={
        "name": "New joiner onboarding", "category": categories["people"], "delivery_days": 5,
        "short_description": "Everything a new colleague needs on day one: accounts, a laptop, a desk and a badge.",
        "service": demo.services["laptops"]})
    if not created:
        return
    item.variables.create(name="joiner_name", label="The new joiner's full name", var_type=VariableType.TEXT,
                          required=True, min_value=3, max_value=150, order=1)
    item.variables.create(name="start_date", label="First day", var_type=VariableType.DATE, required=True, order=2)
    desk = item.variables.create(name="needs_desk", label="Needs a desk in the office", var_type=VariableType.BOOLEAN,
                                 default="yes", order=3)
    item.variables.create(name="office", label="Office", var_type=VariableType.CHOICE, required=True,
                          choices="Paris\nLyon\nLondon", order=4, show_when=desk, show_when_value="yes")
    item.variables.create(name="contract", label="The signed contract", var_type=VariableType.ATTACHMENT, order=5,
                          help_text="A PDF or a scan: HR keeps it with the file.")
    item.approval_steps.create(order=1, approver=Approver.MANAGER)
    teams = getattr(demo, "teams", {})
    desk_team, facilities = teams.get("service-desk"), teams.get("facilities")
    item.plan.create(stage=1, order=1, title="Create the accounts and the mailbox", team=desk_team)
    item.plan.create(stage=1, order=2, title="Prepare a laptop", team=desk_team)
    item.plan.create(stage=1, order=3, title="Prepare the desk and the badge", team=facilities,
                     instructions="A desk near the team, a badge for the office, a welcome pack.")
    item.plan.create(stage=2, order=1, title="Welcome session on the first day", team=desk_team)
