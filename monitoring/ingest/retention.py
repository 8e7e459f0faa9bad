"""Retention: raw samples for ITOPS_METRICS_RETENTION_DAYS, rollups for their own periods.

On PostgreSQL whole day partitions are dropped (instant, no dead rows); elsewhere rows are
deleted. Series that have had no sample for longer than every retention are removed, with
their latest value.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from monitoring.ingest import partitions
from monitoring.ingest.latest import forget_latest
from monitoring.models import HourRollup, MinuteRollup, RollupBackfill, Series


def apply_retention(*, now=None) -> dict:
    now = now or timezone.now()
    sample_cutoff = now - timedelta(days=settings.ITOPS_METRICS_RETENTION_DAYS)
    minute_cutoff = now - timedelta(days=settings.ITOPS_METRICS_MINUTE_ROLLUP_RETENTION_DAYS)
    hour_cutoff = now - timedelta(days=settings.ITOPS_METRICS_HOUR_ROLLUP_RETENTION_DAYS)
    series_cutoff = min(sample_cutoff, minute_cutoff, hour_cutoff)
    report = {}
    if partitions.partitioned():
        dropped = partitions.drop_partitions_before(sample_cutoff.date())
        report["partitions_dropped"] = [day.isoformat() for day in dropped]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM monitoring_sample WHERE ts < %s",
                [connection.ops.adapt_datetimefield_value(sample_cutoff)],
            )
            report["samples_deleted"] = cursor.rowcount
    with transaction.atomic():
        report["minute_rollups_deleted"] = _delete(MinuteRollup, minute_cutoff)
        report["hour_rollups_deleted"] = _delete(HourRollup, hour_cutoff)
        RollupBackfill.objects.filter(end__lt=sample_cutoff).delete()
        gone = list(Series.objects.filter(last_seen__lt=series_cutoff).values_list("id", flat=True))
        Series.objects.filter(id__in=gone).delete()
    forget_latest(gone)
    report["series_deleted"] = len(gone)
    return report


def _delete(model, cutoff) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {model._meta.db_table} WHERE bucket < %s",
            [connection.ops.adapt_datetimefield_value(cutoff)],
        )
        return cursor.rowcount
