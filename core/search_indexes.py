"""Trigram indexes that let the admin's substring search (icontains) use an index on PostgreSQL.

Django's admin search is `UPPER(column::text) LIKE UPPER('%term%')`: no B-tree index helps, and on
200,000 registrations each searched column costs a full scan. A GIN index over the same expression
with pg_trgm's operator class serves it. pg_trgm is a trusted extension (PostgreSQL 13+): the
database owner may create it. Other databases (the embedded SQLite) are left as they are.
"""

from django.db import migrations


def trigram_search_indexes(table: str, columns: list[str]) -> migrations.RunPython:
    def index_name(column: str) -> str:
        return f"{table}_{column}_trgm"[:63]

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(column)}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(column)}"')

    return migrations.RunPython(create, drop, elidable=False)
