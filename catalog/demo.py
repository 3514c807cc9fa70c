"""Demo services for `seed_demo`, each supported by a demo team."""

from __future__ import annotations

from typing import Any

from catalog.models import Service

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
