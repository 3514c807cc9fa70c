"""The files of each published version (what its readers get), and every file and comment already on an article
made internal: an article's working copy is the desk's (core.services.internal_only)."""

from django.db import migrations, models


def articles_internal(apps, schema_editor):
    Attachment = apps.get_model("core", "Attachment")
    JournalEntry = apps.get_model("core", "JournalEntry")
    Attachment.objects.filter(ticket__kind="article", internal=False).update(internal=True)
    JournalEntry.objects.filter(ticket__kind="article", kind="comment").update(kind="work_note", internal=True)
    JournalEntry.objects.filter(ticket__kind="article", kind="field_change", field="attachment",
                                internal=False).update(internal=True)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0016_knowledge_article_kind"),
        ("knowledge", "0006_organizations_known_errors_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="articleversion",
            name="files",
            field=models.ManyToManyField(
                blank=True, related_name="article_versions", to="core.attachment",
                help_text="The article's files this version refers to (attachment:...): its readers get these, no "
                          "others."),
        ),
        migrations.RunPython(articles_internal, migrations.RunPython.noop),
    ]
