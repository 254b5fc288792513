"""Migration operations safe on a large table in production (PostgreSQL) that still run on SQLite (`make run`).

A migration using them must not be atomic (`atomic = False`): PostgreSQL builds and drops an index
concurrently only outside a transaction.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex


class _PlainElsewhere:
    """The concurrent operation on PostgreSQL (no lock on writes while it runs), its plain form elsewhere."""

    plain: type

    def database_forwards(self, app_label, schema_editor, *states):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, *states)
        return self.plain.database_forwards(self, app_label, schema_editor, *states)

    def database_backwards(self, app_label, schema_editor, *states):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, *states)
        return self.plain.database_backwards(self, app_label, schema_editor, *states)


class AddIndexConcurrentlyWherePossible(_PlainElsewhere, AddIndexConcurrently):
    plain = AddIndex


class RemoveIndexConcurrentlyWherePossible(_PlainElsewhere, RemoveIndexConcurrently):
    plain = RemoveIndex
