"""query_range: alignment, each aggregation against values worked out by hand, rate across a
counter reset, the switch to rollups, grouping and the output bounds."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from monitoring.models import Sample
from monitoring.queries import (
    Aggregation,
    BadParameter,
    GroupOp,
    QueryTooLarge,
    Source,
    choose_resolution,
    parse_selectors,
    query_range,
)
from tests.factories.monitoring import roll_up, write_points

pytestmark = pytest.mark.django_db

T0 = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())  # a midnight: aligned to every step
HOUR = 3600

# Up to an hour of range from raw samples, up to two hours from minute rollups.
tiers = override_settings(
    ITOPS_METRICS_QUERY_RAW_MAX_SECONDS=HOUR, ITOPS_METRICS_QUERY_MINUTE_MAX_SECONDS=2 * HOUR
)


def run(selector, start, end, step, agg=Aggregation.AVG, **options):
    return query_range(
        parse_selectors([selector]), start=start, end=end, step=step, agg=agg, **options
    )


def points(result, index=0):
    return result.series[index].points


@pytest.fixture
def gauge():
    """Every 15 s from T0, the values 0, 1, 2, ... (the sample at T0 + 15 k is k)."""
    return write_points("temperature", {"room": "a"}, [(T0 + 15 * k, float(k)) for k in range(12)])


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        (Aggregation.AVG, [1.5, 5.5, 9.5]),
        (Aggregation.MIN, [0.0, 4.0, 8.0]),
        (Aggregation.MAX, [3.0, 7.0, 11.0]),
        (Aggregation.SUM, [6.0, 22.0, 38.0]),
        (Aggregation.COUNT, [4.0, 4.0, 4.0]),
        (Aggregation.LAST, [3.0, 7.0, 11.0]),
    ],
)
def test_each_aggregation_summarises_the_window_before_each_aligned_point(gauge, agg, expected):
    # start and end fall between step boundaries: points sit on multiples of the step.
    result = run("temperature", T0 + 10, T0 + 200, 60, agg)

    assert result.resolution is Source.RAW
    assert [t for t, _v in points(result)] == [T0 + 60, T0 + 120, T0 + 180]
    assert [v for _t, v in points(result)] == pytest.approx(expected)


def test_points_are_aligned_to_the_step_not_to_the_start(gauge):
    result = run("temperature", T0 + 1, T0 + 179, 30, Aggregation.LAST)

    assert points(result) == [(T0 + 30, 1.0), (T0 + 60, 3.0), (T0 + 90, 5.0), (T0 + 120, 7.0),
                              (T0 + 150, 9.0)]  # fmt: skip


def test_windows_without_samples_have_no_point(gauge):
    result = run("temperature", T0, T0 + 600, 60, Aggregation.COUNT)

    assert [t for t, _v in points(result)] == [T0 + 60, T0 + 120, T0 + 180]


COUNTER = [0, 10, 20, 30, 40, 50, 5, 15, 25, 35, 45, 55]  # restarts between 50 and 5


@pytest.fixture
def counter():
    return write_points(
        "requests_total", {"job": "api"}, [(T0 + 15 * k, float(v)) for k, v in enumerate(COUNTER)]
    )


def test_rate_is_the_per_second_increase_with_a_counter_reset_counted_from_zero(counter):
    result = run("requests_total", T0, T0 + 180, 60, Aggregation.RATE)

    # [T0, T0+60): the first sample has nothing before it; 10 + 10 + 10 = 30.
    # [T0+60, T0+120): 10 + 10 + reset to 5 (counts 5) + 10 = 35.
    # [T0+120, T0+180): 10 + 10 + 10 + 10 = 40.
    assert points(result) == [
        (T0 + 60, pytest.approx(30 / 60)),
        (T0 + 120, pytest.approx(35 / 60)),
        (T0 + 180, pytest.approx(40 / 60)),
    ]


def test_rate_counts_from_the_last_sample_before_the_window(counter):
    result = run("requests_total", T0 + 120, T0 + 120, 60, Aggregation.RATE)

    # The sample at T0+45 (30) starts the window's increase: 40 - 30 counts too.
    assert points(result) == [(T0 + 120, pytest.approx(35 / 60))]


def test_rate_windows_add_up_to_the_whole_increase(counter):
    result = run("requests_total", T0, T0 + 180, 15, Aggregation.RATE)

    total = sum(value * 15 for _t, value in points(result))
    assert total == pytest.approx((50 - 0) + 55)


# --- resolutions ---------------------------------------------------------------------------------


@tiers
def test_resolution_follows_the_range_and_needs_a_step_of_whole_buckets():
    assert choose_resolution(HOUR, 15) is Source.RAW
    assert choose_resolution(2 * HOUR, 60) is Source.MINUTE
    assert choose_resolution(2 * HOUR, 90) is Source.RAW
    assert choose_resolution(3 * HOUR, 3600) is Source.HOUR
    assert choose_resolution(3 * HOUR, 1800) is Source.MINUTE


def varied(k: int) -> float:
    return float((k * 37) % 101) - 20.5


@pytest.fixture
def six_hours():
    """A gauge and a counter every 15 s for six hours; the counter restarts at T0 + 3 h."""
    gauge_points = [(T0 + 15 * k, varied(k)) for k in range(6 * 240)]
    # Restarts from zero at T0 + 3 h, at an hour boundary, where every source sees it.
    counter_points = [(T0 + 15 * k, float(k % 720 * 3 + k % 720 // 5)) for k in range(6 * 240)]
    write_points("load", {"host": "a"}, gauge_points, now_s=T0 + 6 * HOUR)
    write_points("bytes_total", {"host": "a"}, counter_points, now_s=T0 + 6 * HOUR)
    roll_up(T0, T0 + 6 * HOUR)


AGGREGATIONS = [a for a in Aggregation]


@tiers
@pytest.mark.parametrize("agg", AGGREGATIONS)
def test_minute_rollups_give_the_same_points_as_raw_samples(six_hours, agg):
    metric = "bytes_total" if agg is Aggregation.RATE else "load"
    from_rollups = run(metric, T0 + HOUR, T0 + 3 * HOUR, 300, agg)
    with override_settings(ITOPS_METRICS_QUERY_RAW_MAX_SECONDS=10 * HOUR):
        from_samples = run(metric, T0 + HOUR, T0 + 3 * HOUR, 300, agg)

    assert from_rollups.resolution is Source.MINUTE
    assert from_samples.resolution is Source.RAW
    assert len(points(from_rollups)) == 25
    assert points(from_rollups) == [(t, pytest.approx(v)) for t, v in points(from_samples)]


@tiers
@pytest.mark.parametrize("agg", AGGREGATIONS)
def test_hour_rollups_give_the_same_points_as_raw_samples(six_hours, agg):
    metric = "bytes_total" if agg is Aggregation.RATE else "load"
    # From T0 + 2 h, so that the rate of the first window has an hour before it to start from.
    from_rollups = run(metric, T0 + 2 * HOUR, T0 + 6 * HOUR, HOUR, agg)
    with override_settings(ITOPS_METRICS_QUERY_RAW_MAX_SECONDS=10 * HOUR):
        from_samples = run(metric, T0 + 2 * HOUR, T0 + 6 * HOUR, HOUR, agg)

    assert from_rollups.resolution is Source.HOUR
    assert from_rollups.windows_by_source == {"1h": 5}
    assert len(points(from_rollups)) == 5
    assert points(from_rollups) == [(t, pytest.approx(v)) for t, v in points(from_samples)]


@tiers
def test_long_ranges_are_read_from_rollups_not_samples(six_hours):
    Sample.objects.all().delete()

    assert run("load", T0, T0 + 6 * HOUR, HOUR).series[0].points
    assert run("load", T0 + 2 * HOUR, T0 + 4 * HOUR, 60).resolution is Source.MINUTE
    assert run("load", T0 + 2 * HOUR, T0 + 4 * HOUR, 60).series[0].points
    assert run("load", T0 + 2 * HOUR, T0 + 3 * HOUR, 60).series == []


@tiers
def test_windows_after_the_rollups_are_served_from_finer_sources(six_hours):
    from monitoring.models import RollupState

    RollupState.objects.filter(resolution="1h").update(
        done_until=datetime.fromtimestamp(T0 + 4 * HOUR, tz=UTC)
    )
    RollupState.objects.filter(resolution="1m").update(
        done_until=datetime.fromtimestamp(T0 + 5 * HOUR, tz=UTC)
    )

    stitched = run("load", T0, T0 + 6 * HOUR, HOUR, Aggregation.MAX)
    with override_settings(ITOPS_METRICS_QUERY_RAW_MAX_SECONDS=10 * HOUR):
        from_samples = run("load", T0, T0 + 6 * HOUR, HOUR, Aggregation.MAX)

    assert stitched.resolution is Source.HOUR
    # Points at T0 .. T0 + 4 h from hours, T0 + 5 h from minutes, T0 + 6 h from samples.
    assert stitched.windows_by_source == {"1h": 5, "1m": 1, "raw": 1}
    assert len(points(stitched)) == 6
    assert points(stitched) == points(from_samples)


# --- combining series ----------------------------------------------------------------------------


@pytest.fixture
def two_jobs():
    for instance, job, value in (("a", "web", 1.0), ("b", "web", 3.0), ("c", "db", 10.0)):
        write_points("up_ratio", {"instance": instance, "job": job}, [(T0 + 10, value)])


def test_group_sums_series_by_a_label(two_jobs):
    result = run("up_ratio", T0, T0 + 60, 60, group=GroupOp.SUM, by=("job",))

    assert [(line.labels, line.points) for line in result.series] == [
        ({"job": "db"}, [(T0 + 60, 10.0)]),
        ({"job": "web"}, [(T0 + 60, 4.0)]),
    ]


def test_group_without_labels_combines_every_series(two_jobs):
    assert points(run("up_ratio", T0, T0 + 60, 60, group=GroupOp.AVG)) == [
        (T0 + 60, pytest.approx(14 / 3))
    ]
    assert points(run("up_ratio", T0, T0 + 60, 60, group=GroupOp.MAX)) == [(T0 + 60, 10.0)]
    assert points(run("up_ratio", T0, T0 + 60, 60, group=GroupOp.COUNT)) == [(T0 + 60, 3.0)]


def test_each_series_keeps_its_labels_without_grouping(two_jobs):
    result = run("up_ratio", T0, T0 + 60, 60)

    assert [line.labels["instance"] for line in result.series] == ["a", "b", "c"]
    assert all(line.metric == "up_ratio" and line.series_id for line in result.series)


def test_grouping_by_something_that_is_not_a_label_is_refused(two_jobs):
    with pytest.raises(BadParameter, match="not a label name"):
        run("up_ratio", T0, T0 + 60, 60, group=GroupOp.SUM, by=("job-name",))


# --- bounds ------------------------------------------------------------------------------------


@override_settings(ITOPS_METRICS_QUERY_MAX_POINTS=100)
def test_too_many_points_per_series_is_refused_with_a_larger_step_suggested(gauge):
    with pytest.raises(QueryTooLarge) as refused:
        run("temperature", T0, T0 + 2 * HOUR, 60)

    assert "121 points per series" in str(refused.value)
    assert "at least 2m (step=120)" in str(refused.value)
    assert run("temperature", T0, T0 + 2 * HOUR, 120).series


@override_settings(ITOPS_METRICS_QUERY_MAX_SERIES=2)
def test_matching_too_many_series_is_refused(two_jobs):
    with pytest.raises(QueryTooLarge, match="more than 2 series"):
        run("up_ratio", T0, T0 + 60, 60)

    assert len(run('up_ratio{job="web"}', T0, T0 + 60, 60).series) == 2


@override_settings(ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS=100)
def test_too_many_points_in_all_is_refused(two_jobs):
    with pytest.raises(QueryTooLarge, match=r"3 series x 61 points"):
        run("up_ratio", T0, T0 + HOUR, 60)


def test_end_before_start_and_a_zero_step_are_refused(gauge):
    with pytest.raises(BadParameter, match="end is before start"):
        run("temperature", T0 + 60, T0, 60)
    with pytest.raises(BadParameter, match="smallest step"):
        run("temperature", T0, T0 + 60, 0)
