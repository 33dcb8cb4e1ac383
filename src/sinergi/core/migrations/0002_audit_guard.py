"""Create the audit chain head and, on PostgreSQL, refuse UPDATE and DELETE of audit rows."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION sinergi_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION sinergi_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS sinergi_audit_append_only();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


def create_head(apps, schema_editor):
    head_model = apps.get_model("core", "AuditHead")
    head_model.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
