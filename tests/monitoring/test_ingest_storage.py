"""monitoring.ingest.write_samples and its companions, called as collectors call them."""

import math
import time

import pytest

from monitoring.ingest import (
    STALE_NAN,
    Metadata,
    SeriesSamples,
    labels_of,
    latest_values,
    link_series_to_cis,
    mark_stale,
    series_id,
    upsert_metadata,
    write_samples,
)
from monitoring.ingest.series import series_cache
from monitoring.models import Sample, Series
from tests.factories.monitoring import make_ci, make_link_rule, now_ms

pytestmark = pytest.mark.django_db


def up(instance="web-01:9100", **extra):
    return labels_of("up", {"instance": instance, "job": "node", **extra})


def test_series_identity_does_not_depend_on_label_order():
    forwards = SeriesSamples((("__name__", "up"), ("a", "1"), ("b", "2")), [(now_ms(), 1.0)])
    backwards = SeriesSamples((("b", "2"), ("a", "1"), ("__name__", "up")), [(now_ms() + 1, 1.0)])

    write_samples([forwards], source="test")
    write_samples([backwards], source="test")

    series = Series.objects.get()
    assert series.id == series_id("up", {"a": "1", "b": "2"})
    assert Sample.objects.filter(series=series).count() == 2


def test_an_empty_label_value_is_the_same_as_no_label():
    write_samples(
        [SeriesSamples(labels_of("up", {"job": "node", "zone": ""}), [(now_ms(), 1.0)])], source="t"
    )

    assert Series.objects.get().labels == {"job": "node"}


def test_write_result_counts_accepted_duplicate_and_refused_samples():
    at = now_ms()
    batch = [
        SeriesSamples(up(), [(at - 2000, 1.0), (at - 1000, 2.0)]),
        SeriesSamples(up("web-02:9100"), [(at + 3_600_000, 1.0)]),
        SeriesSamples((("job", "x"),), [(at, 1.0)]),
    ]

    first = write_samples(batch, source="test")
    again = write_samples(batch, source="test")

    assert (first.accepted, first.duplicates) == (2, 0)
    assert first.rejected == {"future": 1, "invalid_labels": 1}
    assert (again.accepted, again.duplicates) == (0, 2)
    assert Series.objects.count() == 1  # a series whose samples were all refused is not created


def test_samples_older_than_the_retention_are_refused(settings):
    settings.ITOPS_METRICS_RETENTION_DAYS = 2
    old = now_ms() - 3 * 86_400_000

    result = write_samples([SeriesSamples(up(), [(old, 1.0)])], source="test")

    assert result.rejected == {"too_old": 1}
    assert Sample.objects.count() == 0


def test_latest_value_is_the_newest_sample_even_when_batches_arrive_out_of_order():
    at = now_ms() - 60_000
    write_samples([SeriesSamples(up(), [(at, 1.0), (at + 15_000, 2.0)])], source="test")
    write_samples([SeriesSamples(up(), [(at - 15_000, 0.5)])], source="test")

    sid = Series.objects.get().id
    assert latest_values([sid]) == {sid: (at + 15_000, 2.0, False)}


def test_latest_values_of_unknown_series_are_absent():
    assert latest_values([12345]) == {}


def test_a_series_links_to_its_ci_by_a_mapping_rule():
    web = make_ci("web-01")
    make_link_rule(label="instance", pattern=r"^(.+?)(?::\d+)?$")

    write_samples([SeriesSamples(up("web-01:9100"), [(now_ms(), 1.0)])], source="test")
    write_samples([SeriesSamples(up("db-07:9100"), [(now_ms(), 1.0)])], source="test")

    assert Series.objects.get(labels__instance="web-01:9100").ci == web
    assert Series.objects.get(labels__instance="db-07:9100").ci is None


def test_rules_are_tried_by_priority_and_the_first_ci_found_wins():
    host = make_ci("web-01")
    make_ci("svc-a")
    make_link_rule(label="service", pattern=r"^(.*)$", priority=20)
    make_link_rule(label="host", pattern=r"^(.*)$", priority=10)

    write_samples(
        [SeriesSamples(labels_of("up", {"host": "web-01", "service": "svc-a"}), [(now_ms(), 1)])],
        source="t",
    )

    assert Series.objects.get().ci == host


def test_series_created_before_their_ci_are_linked_by_the_link_job():
    make_link_rule(label="instance")
    write_samples([SeriesSamples(up("late-01:9100"), [(now_ms(), 1.0)])], source="test")
    assert Series.objects.get().ci is None
    late = make_ci("late-01")

    changed = link_series_to_cis()

    assert changed == 1
    assert Series.objects.get().ci == late


def test_a_known_series_costs_no_series_or_cmdb_query(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    make_ci("web-01")
    make_link_rule(label="instance")
    at = now_ms()
    with django_capture_on_commit_callbacks(execute=True):
        write_samples([SeriesSamples(up(), [(at, 1.0)])], source="test")

    with django_assert_max_num_queries(5) as captured:  # savepoints, the insert, releases
        write_samples([SeriesSamples(up(), [(at + 1000, 1.0)])], source="test")

    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "monitoring_series" not in sql and "cmdb_" not in sql and "pg_" not in sql


def test_a_ci_created_after_a_lookup_is_found_at_once():
    make_link_rule(label="instance")
    write_samples([SeriesSamples(up("app-01:80"), [(now_ms(), 1.0)])], source="test")
    app = make_ci("app-02")

    write_samples([SeriesSamples(up("app-02:80"), [(now_ms(), 1.0)])], source="test")

    assert Series.objects.get(labels__instance="app-02:80").ci == app


def test_mark_stale_keeps_a_later_stale_time():
    write_samples([SeriesSamples(up(), [(now_ms(), 1.0)])], source="test")
    series = Series.objects.get()
    from datetime import UTC, datetime

    later = datetime(2030, 1, 1, tzinfo=UTC)
    earlier = datetime(2029, 1, 1, tzinfo=UTC)

    assert mark_stale({series.id: later}) == 1
    assert mark_stale({series.id: earlier}) == 0

    series.refresh_from_db()
    assert series.is_stale and series.stale_at == later


def test_a_stale_marker_followed_by_a_sample_in_the_same_batch_does_not_end_the_series():
    at = now_ms() - 10_000
    write_samples([SeriesSamples(up(), [(at, STALE_NAN), (at + 1000, 3.0)])], source="test")

    assert not Series.objects.get().is_stale
    assert Sample.objects.count() == 1


def test_upsert_metadata_updates_series_of_the_family_and_suffixes():
    write_samples([SeriesSamples(labels_of("rpc_seconds_count"), [(now_ms(), 3)])], source="test")

    changed = upsert_metadata([Metadata("rpc_seconds", "summary", "RPC latency.", "seconds")])
    unchanged = upsert_metadata([Metadata("rpc_seconds", "summary", "RPC latency.", "seconds")])

    assert (changed, unchanged) == (1, 0)
    assert Series.objects.get().metric_type == "summary"


def test_the_series_cache_is_filled_when_the_write_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        write_samples([SeriesSamples(up(), [(now_ms(), 1.0)])], source="test")
        assert series_cache.get(up()) is None  # the caller's transaction may still roll back

    for callback in pending:
        callback()
    assert series_cache.get(up()) == Series.objects.get().id


def test_a_series_rolled_back_with_the_callers_transaction_is_created_again():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        write_samples([SeriesSamples(up(), [(now_ms() - 5000, 1.0)])], source="test")
        raise RuntimeError("the caller fails after the write")

    write_samples([SeriesSamples(up(), [(now_ms(), 1.0)])], source="test")

    assert Series.objects.count() == 1
    assert Sample.objects.count() == 1


def test_infinite_values_are_stored():
    write_samples([SeriesSamples(up(), [(now_ms(), math.inf)])], source="test")

    assert Sample.objects.get().value == math.inf


def test_timestamps_keep_millisecond_precision():
    at = int(time.time()) * 1000 + 123
    write_samples([SeriesSamples(up(), [(at, 1.0)])], source="test")

    assert Sample.objects.get().ts.timestamp() * 1000 == pytest.approx(at, abs=0.5)
