"""Default priority matrix and number sequences; on PostgreSQL, the GIN index for ticket search."""

from django.db import migrations

DEFAULT_MATRIX = {
    (1, 1): 1,
    (1, 2): 2,
    (2, 1): 2,
    (1, 3): 3,
    (2, 2): 3,
    (3, 1): 3,
    (2, 3): 4,
    (3, 2): 4,
    (3, 3): 5,
}
KINDS = ("incident", "request", "problem")
NUMBER_START = 1000


def add_defaults(apps, schema_editor):
    cell = apps.get_model("servicedesk", "PriorityMatrixCell")
    sequence = apps.get_model("servicedesk", "TicketNumberSequence")
    for (impact, urgency), priority in DEFAULT_MATRIX.items():
        cell.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})
    for kind in KINDS:
        sequence.objects.get_or_create(kind=kind, defaults={"last_value": NUMBER_START})


class PostgresOnlySQL(migrations.RunSQL):
    """Raw SQL that runs on PostgreSQL only (SQLite searches without an index)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]

    operations = [
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
        PostgresOnlySQL(
            "CREATE INDEX ticket_search_vector_gin ON servicedesk_ticket USING gin (search_vector)",
            "DROP INDEX IF EXISTS ticket_search_vector_gin",
        ),
    ]
