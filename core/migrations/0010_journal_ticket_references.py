"""Journal entries of links record the linked ticket (old_ticket / new_ticket) so its title is rendered per viewer.

Existing link entries hold "related to INC0001002" or "INC0001001 related to this": the number is looked up and
recorded (entries whose ticket no longer exists keep none and read "a deleted ticket").
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NUMBER_RE = re.compile(r"\b[A-Z]{2,5}\d{7}\b")


def record_link_references(apps, schema_editor):
    JournalEntry = apps.get_model("core", "JournalEntry")
    Ticket = apps.get_model("core", "Ticket")
    entries = JournalEntry.objects.filter(kind="field_change", field="link").only("old_value", "new_value")
    numbers = {m.group(0) for e in entries.iterator() for v in (e.old_value, e.new_value)
               if (m := NUMBER_RE.search(v))}
    ids = dict(Ticket.objects.filter(number__in=numbers).values_list("number", "pk"))
    for entry in entries.iterator():
        changed = []
        for side in ("old", "new"):
            match = NUMBER_RE.search(getattr(entry, f"{side}_value"))
            if match and match.group(0) in ids:
                setattr(entry, f"{side}_ticket_id", ids[match.group(0)])
                changed.append(f"{side}_ticket")
        if changed:
            entry.save(update_fields=changed)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_text_limits_search_prefix'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='journalentry',
            name='new_ticket',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The ticket the new value refers to (links, parent).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.ticket'),
        ),
        migrations.AddField(
            model_name='journalentry',
            name='old_ticket',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The ticket the old value referred to (links, parent).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.ticket'),
        ),
        migrations.AddIndex(
            model_name='journalentry',
            index=models.Index(condition=models.Q(('old_ticket__isnull', False)), fields=['old_ticket'], name='journal_old_ticket'),
        ),
        migrations.AddIndex(
            model_name='journalentry',
            index=models.Index(condition=models.Q(('new_ticket__isnull', False)), fields=['new_ticket'], name='journal_new_ticket'),
        ),
        migrations.RunPython(record_link_references, migrations.RunPython.noop),
    ]
