"""An index on sample time, for the rollup job and retention, which select by time range.

On PostgreSQL a BRIN index: samples arrive roughly in time order, so block ranges map to time
ranges, and keeping it costs next to nothing per insert (the (series_id, ts) key already costs
a B-tree insertion per row). New block ranges are summarised by autovacuum."""

from django.db import migrations


def create_time_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX monitoring_sample_ts_brin ON monitoring_sample "
            "USING brin (ts) WITH (pages_per_range = 32, autosummarize = on)"
        )
    else:
        schema_editor.execute("CREATE INDEX monitoring_sample_ts ON monitoring_sample (ts)")


def drop_time_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS monitoring_sample_ts_brin")
    else:
        schema_editor.execute("DROP INDEX IF EXISTS monitoring_sample_ts")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(create_time_index, drop_time_index)]
