"""Day partitions on PostgreSQL, and retention on every database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from monitoring.ingest import SeriesSamples, labels_of, latest_values, partitions, write_samples
from monitoring.ingest.retention import apply_retention
from monitoring.models import HourRollup, MinuteRollup, Sample, Series
from monitoring.tasks import ingest_apply_retention_task, ingest_create_partitions_task
from tests.monitoring.conftest import forget_process_state

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def write_at(moment: datetime, *, instance="web-01:9100", now=NOW):
    labels = labels_of("up", {"instance": instance})
    return write_samples(
        [SeriesSamples(labels, [(ms(moment), 1.0)])], source="test", now_ms=ms(now)
    )


@pytest.mark.postgres
def test_the_scheduled_job_creates_partitions_ahead(settings):
    settings.ITOPS_METRICS_PARTITIONS_AHEAD_DAYS = 2
    today = datetime.now(UTC).date()

    ingest_create_partitions_task.delay()

    days = partitions.existing_partition_days()
    assert {today, today + timedelta(days=1), today + timedelta(days=2)} <= days


@pytest.mark.postgres
def test_a_write_into_a_day_without_partition_creates_it():
    assert date(2026, 5, 18) not in partitions.existing_partition_days()

    write_at(datetime(2026, 5, 18, 23, 59, 59, tzinfo=UTC))

    assert date(2026, 5, 18) in partitions.existing_partition_days()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_sample_p20260518")
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_a_write_still_lands_when_a_partition_vanished_behind_the_cache():
    write_at(datetime(2026, 5, 19, 8, tzinfo=UTC))
    with (
        connection.cursor() as cursor
    ):  # someone else dropped it; this process still believes in it
        cursor.execute("DROP TABLE monitoring_sample_p20260519")

    result = write_at(datetime(2026, 5, 19, 9, tzinfo=UTC))

    assert result.accepted == 1
    assert Sample.objects.count() == 1


@pytest.mark.postgres
def test_retention_drops_whole_old_partitions_and_keeps_recent_ones(settings):
    settings.ITOPS_METRICS_RETENTION_DAYS = 3
    old, recent = datetime(2026, 5, 16, 6, tzinfo=UTC), datetime(2026, 5, 19, 6, tzinfo=UTC)
    write_at(old, now=datetime(2026, 5, 17, tzinfo=UTC), instance="old:1")
    write_at(recent, instance="new:1")

    report = apply_retention(now=NOW)

    assert report["partitions_dropped"] == ["2026-05-16"]
    days = partitions.existing_partition_days()
    assert date(2026, 5, 16) not in days and date(2026, 5, 19) in days
    assert [s.ts for s in Sample.objects.all()] == [recent]


def test_retention_deletes_old_samples_rollups_and_silent_series(settings):
    settings.ITOPS_METRICS_RETENTION_DAYS = 3
    settings.ITOPS_METRICS_MINUTE_ROLLUP_RETENTION_DAYS = 3
    settings.ITOPS_METRICS_HOUR_ROLLUP_RETENTION_DAYS = 3
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=10)
    write_at(long_ago, instance="gone:1", now=long_ago)
    Series.objects.update(first_seen=long_ago, last_seen=long_ago)
    gone = Series.objects.get()
    MinuteRollup.objects.create(series=gone, bucket=long_ago, count=1, sum=1, min=1, max=1, last=1)
    HourRollup.objects.create(series=gone, bucket=long_ago, count=1, sum=1, min=1, max=1, last=1)
    write_at(now - timedelta(hours=1), instance="alive:1", now=now)

    ingest_apply_retention_task.delay()

    assert list(Series.objects.values_list("labels__instance", flat=True)) == ["alive:1"]
    assert Sample.objects.count() == 1
    assert not MinuteRollup.objects.exists() and not HourRollup.objects.exists()
    assert latest_values([gone.id]) == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_into_a_new_day_both_succeed():
    import threading

    from django.db import connections

    errors, results = [], []

    def writer(instance):
        try:
            results.append(write_at(datetime(2026, 5, 20, 1, tzinfo=UTC), instance=instance))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    forget_process_state()
    threads = [threading.Thread(target=writer, args=(f"w{i}:1",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(result.accepted for result in results) == 4
    assert date(2026, 5, 20) in partitions.existing_partition_days()
