"""An index for the catalog's substring search over title, description and slug
(docs/decisions/catalog-text-search-index.md).

SQLite: an FTS5 table with the trigram tokenizer over the dataset table (external content,
rowid = dataset id, no positions), kept in step by triggers and filled from the existing
rows.
PostgreSQL: pg_trgm GIN indexes on exactly the expressions ``icontains`` compares there
(``UPPER("col"::text)``), so the ORM's own filter uses them.

A later migration that makes Django rebuild ``catalog_dataset`` on SQLite (it copies the
table and drops the old one, and its triggers with it) must run ``SQLITE_TRIGGERS`` again
and ``'rebuild'`` the index; ``tests/catalog/test_text_search.py`` fails until it does.
"""

from django.db import migrations

# detail='none': the index records which rows hold a trigram, not where; the search asks for
# rows holding every trigram of the term and checks them with icontains, so positions would
# only cost space (about six times the index: 172 MB against 28 MB for 100,000 datasets).
SQLITE_TABLE = """
CREATE VIRTUAL TABLE catalog_dataset_fts USING fts5(
    title, description, slug,
    content='catalog_dataset', content_rowid='id', tokenize='trigram', detail='none'
)
"""
# External content: the index keeps no copy of the text, so a trigger removes a row with
# the values it was indexed with (``'delete'``) before the new ones go in. Saves that leave
# the three columns as they were (status changes, metadata) skip the index.
SQLITE_TRIGGERS = [
    """
CREATE TRIGGER catalog_dataset_fts_insert AFTER INSERT ON catalog_dataset BEGIN
    INSERT INTO catalog_dataset_fts(rowid, title, description, slug)
    VALUES (new.id, new.title, new.description, new.slug);
END
""",
    """
CREATE TRIGGER catalog_dataset_fts_delete AFTER DELETE ON catalog_dataset BEGIN
    INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, title, description, slug)
    VALUES ('delete', old.id, old.title, old.description, old.slug);
END
""",
    """
CREATE TRIGGER catalog_dataset_fts_update AFTER UPDATE OF id, title, description, slug
ON catalog_dataset
WHEN old.id IS NOT new.id OR old.title IS NOT new.title
    OR old.description IS NOT new.description OR old.slug IS NOT new.slug
BEGIN
    INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, title, description, slug)
    VALUES ('delete', old.id, old.title, old.description, old.slug);
    INSERT INTO catalog_dataset_fts(rowid, title, description, slug)
    VALUES (new.id, new.title, new.description, new.slug);
END
""",
]
SQLITE_FILL = "INSERT INTO catalog_dataset_fts(catalog_dataset_fts) VALUES ('rebuild')"
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_insert",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_update",
    "DROP TABLE IF EXISTS catalog_dataset_fts",
]

PG_COLUMNS = ["title", "description", "slug"]
# The extension stays on the way back: other schemas or indexes may use it, and dropping it
# needs its owner.
PG_FORWARD = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS catalog_dataset_{col}_trgm ON catalog_dataset "
    f"USING gin ((UPPER({col}::text)) gin_trgm_ops)"
    for col in PG_COLUMNS
]
PG_BACKWARD = [f"DROP INDEX IF EXISTS catalog_dataset_{col}_trgm" for col in PG_COLUMNS]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [SQLITE_TABLE, *SQLITE_TRIGGERS, SQLITE_FILL]
    elif vendor == "postgresql":
        statements = PG_FORWARD
    else:
        return
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_dataset_filter_columns")]

    operations = [migrations.RunPython(forward, backward)]
