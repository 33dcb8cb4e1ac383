"""Hand-off facts carry their late days, and the dashboard's late-hand-off indexes cover
what it reads (docs/decisions/insights-national-reads.md)."""

from django.db import migrations, models


def fill_late_days(apps, schema_editor):  # type: ignore[no-untyped-def]
    table = schema_editor.quote_name(apps.get_model("insights", "HandoffFact")._meta.db_table)
    if schema_editor.connection.vendor == "postgresql":
        days = "forecast_day - due_day"
    else:
        days = "CAST(julianday(forecast_day) - julianday(due_day) AS INTEGER)"
    schema_editor.execute(
        f"UPDATE {table} SET late_days = {days} "  # noqa: S608 - no user input
        "WHERE done_day IS NULL AND forecast_day > due_day"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0006_handofffact_late_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="handofffact",
            name="late_days",
            field=models.IntegerField(null=True),
        ),
        migrations.RunPython(fill_late_days, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="handofffact", name="insights_handoff_late_idx"),
        migrations.RemoveIndex(model_name="handofffact", name="insights_handoff_open_idx"),
        migrations.AddIndex(
            model_name="handofffact",
            index=models.Index(
                condition=models.Q(("critical", True), ("late_days__isnull", False)),
                fields=["program_id", "late_days"],
                name="insights_handoff_late_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="handofffact",
            index=models.Index(
                condition=models.Q(("critical", True), ("done_day__isnull", True)),
                fields=["forecast_day", "program_id"],
                name="insights_handoff_open_idx",
            ),
        ),
    ]
