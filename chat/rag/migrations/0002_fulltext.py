"""The full-text index of passages, in each database's own way.

PostgreSQL: a generated tsvector column (english configuration) with a GIN index.
SQLite: an FTS5 table over rag_chunk (external content), kept in step by triggers.
"""

from django.db import migrations

POSTGRESQL = [
    "ALTER TABLE rag_chunk ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX rag_chunk_search ON rag_chunk USING gin (search)",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS rag_chunk_search",
    "ALTER TABLE rag_chunk DROP COLUMN IF EXISTS search",
]
SQLITE = [
    "CREATE VIRTUAL TABLE rag_chunk_fts USING fts5("
    "text, content='rag_chunk', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER rag_chunk_fts_insert AFTER INSERT ON rag_chunk BEGIN "
    "INSERT INTO rag_chunk_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER rag_chunk_fts_delete AFTER DELETE ON rag_chunk BEGIN "
    "INSERT INTO rag_chunk_fts(rag_chunk_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "END",
    "CREATE TRIGGER rag_chunk_fts_update AFTER UPDATE ON rag_chunk BEGIN "
    "INSERT INTO rag_chunk_fts(rag_chunk_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO rag_chunk_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS rag_chunk_fts_insert",
    "DROP TRIGGER IF EXISTS rag_chunk_fts_delete",
    "DROP TRIGGER IF EXISTS rag_chunk_fts_update",
    "DROP TABLE IF EXISTS rag_chunk_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rag", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        ),
    ]
