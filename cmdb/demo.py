"""Demo CMDB for `seed_demo`: six classes (servers and virtual machines with their operating system and CPUs), the
infrastructure behind the demo's e-mail, payroll, printing and VPN services (hosts, virtual machines, applications,
a database, network devices, business services) related to each other, and the print spooler problem affecting the
print server. Seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

from cmdb import services
from cmdb.choices import RelationKind
from cmdb.models import AffectedCI, CIClass, ClassAttribute, ConfigurationItem, Relationship

SEED_AFTER = ("accounts", "catalog", "incidents", "problems")

CLASSES = [("server", "Server", False), ("virtual-machine", "Virtual machine", False),
           ("application", "Application", False), ("database", "Database", False),
           ("network-device", "Network device", False), ("business-service", "Business service", True)]
ATTRIBUTES = {"server": [("os", "Operating system", "choice", "Linux\nWindows\nVMware ESXi"), ("cpus", "CPUs",
                                                                                               "number", "")],
              "virtual-machine": [("os", "Operating system", "choice", "Linux\nWindows"), ("cpus", "CPUs", "number",
                                                                                           "")],
              "database": [("engine", "Engine", "choice", "PostgreSQL\nSQL Server\nOracle")]}
# name, class, team, services, attributes, location
CIS = [
    ("core-sw-01", "network-device", "network", ["vpn", "wifi"], {}, "Paris DC, rack 1"),
    ("vpn-gw-01", "network-device", "network", ["vpn"], {}, "Paris DC, rack 1"),
    ("esx-01", "server", "network", [], {"os": "VMware ESXi", "cpus": "64"}, "Paris DC, rack 4"),
    ("esx-02", "server", "network", [], {"os": "VMware ESXi", "cpus": "64"}, "Paris DC, rack 5"),
    ("vm-mail-01", "virtual-machine", "service-desk", [], {"os": "Windows", "cpus": "8"}, ""),
    ("vm-payroll-01", "virtual-machine", "service-desk", [], {"os": "Linux", "cpus": "4"}, ""),
    ("prn-01", "server", "service-desk", ["printing"], {"os": "Windows", "cpus": "4"}, "Paris office, floor 2"),
    ("Exchange", "application", "service-desk", ["email"], {}, ""),
    ("Payroll app", "application", "service-desk", ["payroll"], {}, ""),
    ("payroll-db", "database", "service-desk", ["payroll"], {"engine": "PostgreSQL"}, ""),
    ("E-mail", "business-service", "service-desk", ["email"], {}, ""),
    ("Payroll", "business-service", "service-desk", ["payroll"], {}, ""),
]
RELATIONS = [
    ("esx-01", RelationKind.CONNECTS_TO, "core-sw-01"), ("esx-02", RelationKind.CONNECTS_TO, "core-sw-01"),
    ("vpn-gw-01", RelationKind.CONNECTS_TO, "core-sw-01"),
    ("vm-mail-01", RelationKind.HOSTED_BY, "esx-01"), ("vm-payroll-01", RelationKind.HOSTED_BY, "esx-02"),
    ("Exchange", RelationKind.RUNS_ON, "vm-mail-01"), ("Payroll app", RelationKind.RUNS_ON, "vm-payroll-01"),
    ("payroll-db", RelationKind.RUNS_ON, "vm-payroll-01"), ("Payroll app", RelationKind.DEPENDS_ON, "payroll-db"),
    ("E-mail", RelationKind.DEPENDS_ON, "Exchange"), ("Payroll", RelationKind.DEPENDS_ON, "Payroll app"),
    ("prn-01", RelationKind.CONNECTS_TO, "core-sw-01"),
]


def seed(demo: Any) -> None:
    """Create the classes, CIs and relationships once, recorded by the desk's lead (agent1)."""
    actor = demo.users.get("agent1")
    classes = {}
    for slug, name, is_service in CLASSES:
        classes[slug], _ = CIClass.objects.get_or_create(slug=slug, defaults={"name": name, "is_service": is_service})
        for order, (key, label, kind, choices) in enumerate(ATTRIBUTES.get(slug, [])):
            ClassAttribute.objects.get_or_create(ci_class=classes[slug], name=key, defaults={
                "label": label, "var_type": kind, "choices": choices, "order": order})
    cis = {}
    for name, slug, team, service_slugs, attributes, location in CIS:
        found = ConfigurationItem.objects.filter(ci_class=classes[slug], name=name).first()
        cis[name] = found or services.create_ci(actor, {
            "name": name, "ci_class": classes[slug], "support_team": demo.teams.get(team),
            "owner_team": demo.teams.get(team), "attributes": attributes, "location": location},
            services=[demo.services[s] for s in service_slugs if s in getattr(demo, "services", {})])
    for source, kind, target in RELATIONS:
        if not Relationship.objects.filter(source=cis[source], target=cis[target], kind=kind).exists():
            services.relate(cis[source], cis[target], kind, actor)
    from problems.models import Problem

    spooler = Problem.objects.filter(title="Print spooler stalls during the nightly backup").first()
    if spooler is not None and not AffectedCI.objects.filter(ticket_id=spooler.pk).exists():
        services.affect(spooler, cis["prn-01"], actor)
