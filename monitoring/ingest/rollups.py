"""Rollups: per series, per minute and per hour, count/sum/min/max/last of the raw samples.

`compute_rollups` is the scheduled job. It is idempotent and safe on several workers at once:

- Each resolution has a `RollupState` row holding `done_until`. The job claims it with
  `select_for_update(skip_locked=True)`; a second worker finds it locked and leaves.
- Buckets are recomputed from the source and upserted (`ON CONFLICT DO UPDATE`), so running a
  range twice gives the same rows.
- A minute is computed once it ended ITOPS_METRICS_ROLLUP_DELAY_SECONDS ago. Samples written
  later than that (a resend after an outage) leave a `RollupBackfill` row in the same
  transaction as the samples; the job recomputes those ranges and deletes the rows.
- Hours are computed from minute rollups once the minute rollups cover the whole hour.

Averages are sum / count. NaN samples make sum, min and max NaN on PostgreSQL (like
Prometheus' sum_over_time) and are skipped on SQLite, which stores them as NULL.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from monitoring.choices import Resolution
from monitoring.models import RollupBackfill, RollupState

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

_UPSERT = (
    " ON CONFLICT (series_id, bucket) DO UPDATE SET count = EXCLUDED.count, sum = EXCLUDED.sum,"
    " min = EXCLUDED.min, max = EXCLUDED.max, last = EXCLUDED.last"
)

_POSTGRES_MINUTES = (
    "INSERT INTO monitoring_minuterollup (series_id, bucket, count, sum, min, max, last) "
    "SELECT series_id, date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, "
    "count(*), sum(value), min(value), max(value), (array_agg(value ORDER BY ts DESC))[1] "
    "FROM monitoring_sample WHERE ts >= %s AND ts < %s GROUP BY series_id, b" + _UPSERT
)
_POSTGRES_HOURS = (
    "INSERT INTO monitoring_hourrollup (series_id, bucket, count, sum, min, max, last) "
    "SELECT series_id, date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, "
    "sum(count), sum(sum), min(min), max(max), (array_agg(last ORDER BY bucket DESC))[1] "
    "FROM monitoring_minuterollup WHERE bucket >= %s AND bucket < %s GROUP BY series_id, b"
    + _UPSERT
)
# SQLite keeps datetimes as text in Django's format; strftime gives the bucket in that format.
_SQLITE_MINUTES = (
    "INSERT INTO monitoring_minuterollup (series_id, bucket, count, sum, min, max, last) "
    "SELECT g.series_id, g.b, g.n, g.total, g.low, g.high, s.value FROM ("
    "  SELECT series_id, strftime('%%Y-%%m-%%d %%H:%%M:00', ts) AS b, count(*) AS n,"
    "  sum(value) AS total, min(value) AS low, max(value) AS high, max(ts) AS newest"
    "  FROM monitoring_sample WHERE ts >= %s AND ts < %s GROUP BY series_id, b) g "
    "JOIN monitoring_sample s ON s.series_id = g.series_id AND s.ts = g.newest "
    "WHERE true" + _UPSERT
)
_SQLITE_HOURS = (
    "INSERT INTO monitoring_hourrollup (series_id, bucket, count, sum, min, max, last) "
    "SELECT g.series_id, g.b, g.n, g.total, g.low, g.high, m.last FROM ("
    "  SELECT series_id, strftime('%%Y-%%m-%%d %%H:00:00', bucket) AS b, sum(count) AS n,"
    "  sum(sum) AS total, min(min) AS low, max(max) AS high, max(bucket) AS newest"
    "  FROM monitoring_minuterollup WHERE bucket >= %s AND bucket < %s GROUP BY series_id, b) g "
    "JOIN monitoring_minuterollup m ON m.series_id = g.series_id AND m.bucket = g.newest "
    "WHERE true" + _UPSERT
)


def floor_to(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return moment - (moment - epoch) % step


def ceil_to(moment: datetime, step: timedelta) -> datetime:
    floored = floor_to(moment, step)
    return floored if floored == moment else floored + step


def _run(sql_postgres: str, sql_sqlite: str, start: datetime, end: datetime) -> int:
    if end <= start:
        return 0
    sql = sql_postgres if connection.vendor == "postgresql" else sql_sqlite
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(sql, [adapt(start), adapt(end)])
        return max(cursor.rowcount, 0)


def rollup_minutes(start: datetime, end: datetime) -> int:
    """Recompute the minute rollups of [start, end) (minute-aligned) from the samples."""
    return _run(_POSTGRES_MINUTES, _SQLITE_MINUTES, start, end)


def rollup_hours(start: datetime, end: datetime) -> int:
    """Recompute the hour rollups of [start, end) (hour-aligned) from the minute rollups."""
    return _run(_POSTGRES_HOURS, _SQLITE_HOURS, start, end)


def _claim(resolution: Resolution) -> RollupState | None:
    RollupState.objects.get_or_create(resolution=resolution)
    return (
        RollupState.objects.select_for_update(skip_locked=True)
        .filter(resolution=resolution)
        .first()
    )


def _merge(ranges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def compute_rollups(*, now: datetime | None = None) -> dict:
    """Advance the minute and hour rollups and apply pending backfills (the scheduled job)."""
    now = now or timezone.now()
    closed_until = floor_to(
        now - timedelta(seconds=settings.ITOPS_METRICS_ROLLUP_DELAY_SECONDS), MINUTE
    )
    max_span = timedelta(minutes=settings.ITOPS_METRICS_ROLLUP_MAX_MINUTES_PER_RUN)
    report = {"minutes": 0, "hours": 0, "backfills": 0, "busy": False}
    with transaction.atomic():
        minutes = _claim(Resolution.MINUTE)
        hours = _claim(Resolution.HOUR)
        if minutes is None or hours is None:
            report["busy"] = True  # another worker is on it
            return report
        start = minutes.done_until or closed_until - max_span
        end = min(closed_until, start + max_span)
        if end > start:
            report["minutes"] += rollup_minutes(start, end)
            minutes.done_until = end
            minutes.save(update_fields=["done_until", "updated_at"])
        minutes_done = minutes.done_until or start

        # Late samples inside ranges already rolled up.
        backfills = list(
            RollupBackfill.objects.select_for_update(skip_locked=True).filter(
                start__lt=minutes_done
            )
        )
        late_ranges = _merge([(b.start, min(b.end, minutes_done)) for b in backfills])
        for late_start, late_end in late_ranges:
            report["minutes"] += rollup_minutes(
                floor_to(late_start, MINUTE), ceil_to(late_end, MINUTE)
            )
        RollupBackfill.objects.filter(pk__in=[b.pk for b in backfills]).delete()
        report["backfills"] = len(backfills)

        hour_start = hours.done_until or floor_to(start, HOUR)
        hour_end = floor_to(minutes_done, HOUR)
        if hour_end > hour_start:
            report["hours"] += rollup_hours(hour_start, hour_end)
            hours.done_until = hour_end
            hours.save(update_fields=["done_until", "updated_at"])
        hours_done = hours.done_until
        if hours_done:
            for late_start, late_end in late_ranges:
                first, last = floor_to(late_start, HOUR), min(ceil_to(late_end, HOUR), hours_done)
                report["hours"] += rollup_hours(first, last)
    return report
