"""The inbox, preferences, outbox, webhooks and digest rows move to the ``notifications``
app. The tables stay (``notifications`` takes them over in its 0001 and renames them);
links to requests and meetings become plain URLs, as notifications may not know the
models of a domain app."""

from django.db import migrations


def links_to_urls(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("coordination", "Notification")
    for note in Notification.objects.filter(url="").exclude(request=None).iterator():
        note.url = f"/permintaan/{note.request_id}/"
        note.save(update_fields=["url"])
    for note in Notification.objects.filter(url="").exclude(meeting=None).iterator():
        note.url = f"/rapat/{note.meeting_id}/"
        note.save(update_fields=["url"])


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0005_outgoing_email"),
    ]

    operations = [
        migrations.RunPython(links_to_urls, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="request"),
        migrations.RemoveField(model_name="notification", name="meeting"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="Webhook"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="EmailPreference"),
                migrations.DeleteModel(name="DigestSent"),
                migrations.DeleteModel(name="OutgoingEmail"),
            ],
            database_operations=[],
        ),
    ]
