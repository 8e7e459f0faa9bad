"""Minute and hour rollups match the raw samples they summarise."""

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.ingest import SeriesSamples, labels_of, write_samples
from monitoring.ingest.rollups import compute_rollups
from monitoring.models import HourRollup, MinuteRollup, RollupBackfill, RollupState, Series
from monitoring.tasks import ingest_compute_rollups_task

pytestmark = pytest.mark.django_db

HOUR_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def write(points, *, now, instance="web-01:9100"):
    labels = labels_of("node_load1", {"instance": instance})
    return write_samples([SeriesSamples(labels, points)], source="test", now_ms=ms(now))


def every_10s(start: datetime, minutes: int, value=lambda i: float(i % 7)):
    return [(ms(start + timedelta(seconds=10 * i)), value(i)) for i in range(minutes * 6)]


def test_minute_rollups_match_raw_aggregates():
    points = every_10s(HOUR_START, 3)
    now = HOUR_START + timedelta(minutes=10)
    write(points, now=now)
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)

    compute_rollups(now=now)

    rollups = list(MinuteRollup.objects.order_by("bucket"))
    assert [r.bucket for r in rollups] == [HOUR_START + timedelta(minutes=m) for m in range(3)]
    for minute, rollup in enumerate(rollups):
        values = [v for _ts, v in points[minute * 6 : (minute + 1) * 6]]
        assert rollup.count == 6
        assert rollup.sum == pytest.approx(sum(values))
        assert rollup.min == min(values)
        assert rollup.max == max(values)
        assert rollup.last == values[-1]
        assert rollup.avg == pytest.approx(statistics.mean(values))


def test_hour_rollups_are_built_from_minutes_once_the_hour_is_complete():
    points = every_10s(HOUR_START, 60, value=lambda i: float(i))
    write(points, now=HOUR_START + timedelta(minutes=59))
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)

    compute_rollups(now=HOUR_START + timedelta(minutes=30))
    assert not HourRollup.objects.exists()
    compute_rollups(now=HOUR_START + timedelta(hours=1, minutes=5))

    hour = HourRollup.objects.get()
    values = [v for _ts, v in points]
    assert hour.bucket == HOUR_START
    assert (hour.count, hour.min, hour.max, hour.last) == (360, 0.0, 359.0, 359.0)
    assert hour.sum == pytest.approx(sum(values))


def test_running_the_job_twice_changes_nothing():
    write(every_10s(HOUR_START, 5), now=HOUR_START + timedelta(minutes=10))
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)
    now = HOUR_START + timedelta(minutes=10)

    compute_rollups(now=now)
    first = list(MinuteRollup.objects.values_list("bucket", "count", "sum", "last"))
    compute_rollups(now=now)

    assert list(MinuteRollup.objects.values_list("bucket", "count", "sum", "last")) == first


def test_buckets_still_open_to_in_flight_samples_wait(settings):
    settings.ITOPS_METRICS_ROLLUP_DELAY_SECONDS = 120
    write(every_10s(HOUR_START, 5), now=HOUR_START + timedelta(minutes=5))
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)

    compute_rollups(now=HOUR_START + timedelta(minutes=5))

    # Minutes 3 and 4 end less than 2 minutes before "now": not computed yet.
    assert MinuteRollup.objects.count() == 3
    assert RollupState.objects.get(resolution="1m").done_until == HOUR_START + timedelta(minutes=3)


def test_late_samples_are_recomputed_from_the_backfill_mark():
    now = HOUR_START + timedelta(minutes=30)
    write(every_10s(HOUR_START, 2), now=now)
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)
    compute_rollups(now=now)
    assert MinuteRollup.objects.get(bucket=HOUR_START).count == 6

    write(every_10s(HOUR_START, 1, value=lambda i: 100.0), now=now, instance="web-02:9100")
    assert RollupBackfill.objects.exists()
    compute_rollups(now=now)

    late = Series.objects.get(labels__instance="web-02:9100")
    assert MinuteRollup.objects.get(series=late, bucket=HOUR_START).sum == 600.0
    assert not RollupBackfill.objects.exists()


def test_the_scheduled_task_advances_the_rollups():
    write(every_10s(HOUR_START, 2), now=HOUR_START + timedelta(minutes=10))
    RollupState.objects.create(resolution="1m", done_until=HOUR_START)

    ingest_compute_rollups_task.delay()

    assert MinuteRollup.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_finding_the_state_claimed_leaves_it_alone():
    import psycopg2
    from django.db import connection

    RollupState.objects.create(resolution="1m", done_until=HOUR_START)
    RollupState.objects.create(resolution="1h", done_until=HOUR_START)
    write(every_10s(HOUR_START, 2), now=HOUR_START + timedelta(minutes=10))
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:  # another worker, mid-run
            cursor.execute(
                "SELECT * FROM monitoring_rollupstate WHERE resolution = '1m' FOR UPDATE"
            )
            report = compute_rollups(now=HOUR_START + timedelta(minutes=10))
        other.rollback()
    finally:
        other.close()

    assert report["busy"] is True
    assert not MinuteRollup.objects.exists()
    assert compute_rollups(now=HOUR_START + timedelta(minutes=10))["busy"] is False
    assert MinuteRollup.objects.count() == 2
