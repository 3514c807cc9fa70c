"""E-mail addresses become unique, compared case-insensitively.

Existing duplicates are settled first: the address stays on one account of each group (active before
inactive, then the oldest account) and is cleared on the others, which must set their own address again
from their profile. Addresses are also trimmed of surrounding spaces.
"""

import django.db.models.functions.text
from django.db import migrations, models


def settle_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    kept: set[str] = set()
    cleared = []
    rows = User.objects.exclude(email="").order_by("-is_active", "date_joined", "id")
    for user in rows.only("id", "email", "is_active", "date_joined"):
        email = user.email.strip()
        key = email.lower()
        if not key or key in kept:
            cleared.append(user.pk)
            continue
        kept.add(key)
        if email != user.email:
            User.objects.filter(pk=user.pk).update(email=email)
    if cleared:
        User.objects.filter(pk__in=cleared).update(email="")
        print(f"\n  Cleared the e-mail address of {len(cleared)} account(s) that shared it with an older account "
              f"(ids: {', '.join(map(str, cleared))}).")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(settle_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"), condition=models.Q(("email", ""), _negated=True),
                name="user_email_unique_ci", violation_error_message="Another account already uses this e-mail address.",
            ),
        ),
    ]
