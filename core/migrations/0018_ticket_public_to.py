"""A public ticket (a knowledge article) restricted to organizations reads `public_to`: one published before keeps
the organization it was restricted to (its own)."""

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0017_link_solved_by'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='public_to',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.PositiveIntegerField(), blank=True, editable=False, help_text='When public: the ids of the only organizations whose end users read it (empty: everyone).', null=True, size=None),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='public',
            field=models.BooleanField(default=False, editable=False, help_text='Published to end users (all, or those of `public_to`): a public knowledge article.'),
        ),
        migrations.RunSQL(
            "UPDATE core_ticket SET public_to = ARRAY[organization_id] WHERE public AND organization_id IS NOT NULL",
            migrations.RunSQL.noop),
    ]
