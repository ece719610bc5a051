"""A trigram index on thread titles, for the reviewers' search on PostgreSQL.

Titles are searched with icontains, which Django writes as UPPER(title) LIKE '%…%': the
index is on that expression, so PostgreSQL answers from it instead of reading every
thread. SQLite, and a PostgreSQL without the pg_trgm extension, scan the titles.
"""

from django.db import migrations

TITLE_TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS thread_title_trgm ON chat_thread "
    "USING gin ((UPPER(title::text)) gin_trgm_ops)"
)


def add_title_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return  # a server built without contrib: titles are scanned, as on SQLite
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(TITLE_TRIGRAM)


def drop_title_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS thread_title_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0008_thread_tokens"),
    ]

    operations = [
        migrations.RunPython(add_title_trigram, drop_title_trigram, elidable=False),
    ]
