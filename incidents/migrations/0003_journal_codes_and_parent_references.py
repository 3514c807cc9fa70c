"""Incident journal entries keep codes for choice fields and the parent incident as a reference.

- state, hold reason, resolution code and channel were stored as labels ("In progress"): they become codes
  ("in_progress"), which the pages and the API's `old_label` / `new_label` turn back into labels (core.journal);
  impact, urgency and priority were already codes.
- a parent change was stored as "INC0001002 <title>", which every agent who could open the child read, even
  without access to the parent: the text keeps the number only and the parent is recorded in old_ticket /
  new_ticket, so its title is shown only to those who may see it.

The labels are written out here (not imported) so that this migration means the same thing whatever the
choices become later.
"""

import re

from django.db import migrations

LABELS = {
    "state": {"new": "New", "in_progress": "In progress", "on_hold": "On hold", "resolved": "Resolved",
              "closed": "Closed", "cancelled": "Cancelled"},
    "hold_reason": {"awaiting_caller": "Awaiting caller", "awaiting_change": "Awaiting change",
                    "awaiting_problem": "Awaiting problem", "awaiting_vendor": "Awaiting vendor"},
    "resolution_code": {"solved": "Solved (permanently)", "workaround": "Solved (workaround)",
                        "user_error": "User error / how-to", "not_reproducible": "Not reproducible",
                        "duplicate": "Duplicate", "resolved_by_parent": "Resolved by parent incident"},
    "channel": {"portal": "Portal", "email": "E-mail", "phone": "Phone", "api": "API", "monitoring": "Monitoring"},
}
NUMBER_RE = re.compile(r"^\s*([A-Z]{2,5}\d{7})\b")


def _relabel(apps, to_code: bool) -> None:
    JournalEntry = apps.get_model("core", "JournalEntry")
    incident_entries = JournalEntry.objects.filter(kind="field_change", ticket__kind="incident")
    for field, labels in LABELS.items():
        for code, label in labels.items():
            before, after = (label, code) if to_code else (code, label)
            for column in ("old_value", "new_value"):
                incident_entries.filter(field=field, **{column: before}).update(**{column: after})


def forwards(apps, schema_editor):
    _relabel(apps, to_code=True)
    JournalEntry = apps.get_model("core", "JournalEntry")
    Ticket = apps.get_model("core", "Ticket")
    entries = JournalEntry.objects.filter(kind="field_change", field="parent").only("old_value", "new_value")
    numbers = {m.group(1) for e in entries.iterator() for v in (e.old_value, e.new_value)
               if (m := NUMBER_RE.match(v))}
    ids = dict(Ticket.objects.filter(number__in=numbers).values_list("number", "pk"))
    for entry in entries.iterator():
        for side in ("old", "new"):
            match = NUMBER_RE.match(getattr(entry, f"{side}_value"))
            if match:  # the number only: the title goes, whoever reads it
                setattr(entry, f"{side}_value", match.group(1))
                setattr(entry, f"{side}_ticket_id", ids.get(match.group(1)))
        entry.save(update_fields=["old_value", "new_value", "old_ticket", "new_ticket"])


def backwards(apps, schema_editor):
    _relabel(apps, to_code=False)  # the parents' titles stay gone


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0002_resolution_notes_text_limit"),
        ("core", "0010_journal_ticket_references"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
