"""Rows written before the event path get their module and category (for the filters of
/notifikasi/ and the delivery preferences)."""

from django.db import migrations

CATEGORIES = {
    "submitted": "new_requests",
    "remind": "escalations",
    "head": "escalations",
    "sekda": "escalations",
    "bupati": "escalations",
    "meeting": "meetings",
    "minutes": "meetings",
}


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("notifications", "Notification")
    old = Notification.objects.filter(module="")
    old.filter(kind__startswith="proposal").update(module="programs", category="programs")
    old.filter(kind__startswith="blood").update(module="blood", category="blood")
    for kind, category in CATEGORIES.items():
        old.filter(kind=kind).update(module="coordination", category=category)
    old.update(module="coordination", category="status_changes")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_event_path")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
