"""Migration operations that only PostgreSQL understands (exclusion constraints on periods).

The embedded SQLite of ``make run`` skips them; tests and production run on PostgreSQL and get them.
"""

from django.db import migrations


class RunSQLOnPostgres(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class BtreeGistOnPostgres(RunSQLOnPostgres):
    """``btree_gist`` lets an exclusion constraint mix equality (same protocol) and range overlap."""

    def __init__(self):
        super().__init__("CREATE EXTENSION IF NOT EXISTS btree_gist", migrations.RunSQL.noop)
