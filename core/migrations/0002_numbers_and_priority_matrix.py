from django.db import migrations

KINDS = ["incident", "problem", "change", "request", "ritm", "task"]
DEFAULT = {(1, 1): 1, (1, 2): 2, (1, 3): 3, (2, 1): 2, (2, 2): 3, (2, 3): 4, (3, 1): 3, (3, 2): 4, (3, 3): 5}


def seed_matrix(apps, schema_editor):
    PriorityRule = apps.get_model("core", "PriorityRule")
    for (impact, urgency), priority in DEFAULT.items():
        PriorityRule.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunSQL(
            [f"CREATE SEQUENCE IF NOT EXISTS core_ticket_number_{kind} START 1001" for kind in KINDS],
            [f"DROP SEQUENCE IF EXISTS core_ticket_number_{kind}" for kind in KINDS],
        ),
        migrations.RunPython(seed_matrix, migrations.RunPython.noop),
    ]
