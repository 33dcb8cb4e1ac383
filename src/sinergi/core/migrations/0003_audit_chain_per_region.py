"""Chain the audit log per region (docs/decisions/audit-chain-per-region.md).

Entries written before this migration keep their hashes: they become the closed chain
``legacy`` (position = their old sequence number) and are still verified as they were
hashed. The single head row becomes that chain's head; new entries go to per-region chains,
each with a head row of its own.
"""

from django.db import migrations, models

LEGACY_CHAIN = "legacy"
GENESIS_HASH = "0" * 64


def legacy_chain(apps, schema_editor):
    entry_model = apps.get_model("core", "AuditEntry")
    old_head = apps.get_model("core", "AuditHeadV1").objects.filter(pk=1).first()
    head_model = apps.get_model("core", "AuditHead")
    if entry_model.objects.exists() or (old_head is not None and old_head.seq > 0):
        postgres = schema_editor.connection.vendor == "postgresql"
        table = "core_auditentry"
        if postgres:  # the append-only trigger refuses this one deliberate update
            schema_editor.execute(
                f"ALTER TABLE {table} DISABLE TRIGGER core_auditentry_append_only"
            )
        schema_editor.execute(
            "UPDATE core_auditentry SET chain = %s, chain_seq = seq", params=[LEGACY_CHAIN]
        )
        if postgres:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER core_auditentry_append_only")
        head_model.objects.create(
            chain=LEGACY_CHAIN,
            seq=old_head.seq if old_head else 0,
            hash=old_head.hash if old_head else GENESIS_HASH,
        )
    if schema_editor.connection.vendor == "postgresql":
        # New entries take their number from the id sequence (id = seq): start it past
        # every number already used.
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('core_auditentry', 'id'), "
            "GREATEST((SELECT COALESCE(MAX(id), 0) FROM core_auditentry), "
            "(SELECT COALESCE(MAX(seq), 0) FROM core_auditentry)) + 1, false)"
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_guard")]

    operations = [
        migrations.RenameModel("AuditHead", "AuditHeadV1"),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                (
                    "chain",
                    models.CharField(blank=True, max_length=20, primary_key=True, serialize=False),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={"verbose_name": "audit chain head"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="audit chain"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain_seq",
            field=models.BigIntegerField(default=0, verbose_name="position in its chain"),
        ),
        migrations.RunPython(legacy_chain, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="core_auditentry_chain_seq"
            ),
        ),
        migrations.DeleteModel("AuditHeadV1"),
    ]
