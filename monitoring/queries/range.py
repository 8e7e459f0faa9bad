"""Range queries: the samples of the selected series summarised per step, for charts.

Points are aligned to multiples of `step` (in Unix seconds): the point at time t summarises the
samples in the window [t - step, t). Aggregations over each window:

- avg, min, max, sum, count, last: of the samples in the window;
- rate: the per-second increase of a counter over the window, with counter resets handled as
  Prometheus does (a drop in value means the counter restarted from zero, so the new value is
  the increase). The window's increase is counted from the last sample before the window, so
  consecutive windows add up to the counter's whole increase and no extrapolation is needed;
  a window whose samples have no predecessor within the look-back gets no point.

Where the data comes from depends on the range (see ITOPS_METRICS_QUERY_*): raw samples for
short ranges, 1-minute rollups for medium ones and 1-hour rollups for long ones. Rollups end
where the rollup job has got to (`RollupState.done_until`); the windows after that are served
by the next finer source, so the newest points are never missing. The response names the
resolution chosen and how many windows each source served.

Results can be combined across series with `group` (sum, avg, min, max, count) `by` labels,
like PromQL's `sum by (job) (...)`.
"""

import enum
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from itops.errors import DomainError
from monitoring.choices import Resolution
from monitoring.ingest.labels import LABEL_NAME, METRIC_NAME_LABEL
from monitoring.models import HourRollup, MinuteRollup, RollupState, Sample
from monitoring.queries.matchers import Selector
from monitoring.queries.params import BadParameter, format_duration, nice_step_at_least
from monitoring.queries.selection import select_series

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = 1_000_000


class Aggregation(enum.StrEnum):
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    SUM = "sum"
    LAST = "last"
    COUNT = "count"
    RATE = "rate"


class GroupOp(enum.StrEnum):
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    COUNT = "count"


class Source(enum.StrEnum):
    """Where points come from, finest first."""

    RAW = "raw"
    MINUTE = Resolution.MINUTE.value
    HOUR = Resolution.HOUR.value


_BUCKET_SECONDS = {Source.MINUTE: 60, Source.HOUR: 3600}
_ROLLUP_MODELS = {Source.MINUTE: MinuteRollup, Source.HOUR: HourRollup}
_FINER = {Source.HOUR: Source.MINUTE, Source.MINUTE: Source.RAW}
# How far before a window rate looks for the sample its increase starts from.
_RATE_LOOKBACK = {Source.RAW: 300, Source.MINUTE: 300, Source.HOUR: 7200}
_QUERY_WORK_MEM = "64MB"


class QueryTooLarge(DomainError):
    """The answer would exceed a bound; the message says which and what to change."""

    code = "too_large"


@dataclass
class SeriesPoints:
    """One line of a chart: its labels and [(t, value)] in time order."""

    metric: str | None
    labels: dict[str, str]
    points: list[tuple[int, float]]
    series_id: int | None = None
    ci_id: int | None = None


@dataclass
class RangeResult:
    start: float
    end: float
    step: int
    agg: Aggregation
    resolution: Source
    windows_by_source: dict[str, int]
    series: list[SeriesPoints] = field(default_factory=list)
    group: GroupOp | None = None
    by: tuple[str, ...] = ()


# --- planning -----------------------------------------------------------------------------------


def choose_resolution(range_seconds: float, step: int) -> Source:
    """Raw for short ranges, minute rollups for medium, hour rollups for long; a rollup only
    when the step is a whole number of its buckets."""
    if range_seconds <= settings.ITOPS_METRICS_QUERY_RAW_MAX_SECONDS:
        chosen = Source.RAW
    elif range_seconds <= settings.ITOPS_METRICS_QUERY_MINUTE_MAX_SECONDS:
        chosen = Source.MINUTE
    else:
        chosen = Source.HOUR
    while chosen is not Source.RAW and step % _BUCKET_SECONDS[chosen]:
        chosen = _FINER[chosen]
    return chosen


def _rollups_done_until() -> dict[Source, int]:
    """Unix seconds before which each rollup resolution is complete (0: nothing yet)."""
    done = dict.fromkeys(_ROLLUP_MODELS, 0)
    for resolution, done_until in RollupState.objects.values_list("resolution", "done_until"):
        if done_until is not None and Source(resolution) in done:
            done[Source(resolution)] = int(done_until.timestamp())
    return done


def plan_segments(
    first: int, last: int, step: int, chosen: Source
) -> list[tuple[Source, int, int]]:
    """[(source, first point, last point)] covering the points first..last in time order: each
    rollup serves the windows that end before its `done_until`, finer sources the rest."""
    if last < first:
        return []
    done = _rollups_done_until() if chosen is not Source.RAW else {}
    segments = []
    source, t = chosen, first
    while source is not Source.RAW and t <= last:
        until = min(last, done[source] // step * step)
        if until >= t:
            segments.append((source, t, until))
            t = until + step
        source = _FINER[source]
    if t <= last:
        segments.append((Source.RAW, t, last))
    return segments


# --- fetching: PostgreSQL aggregates in SQL ------------------------------------------------------

_RAW_EXPRESSIONS = {
    Aggregation.AVG: "avg(value)",
    Aggregation.MIN: "min(value)",
    Aggregation.MAX: "max(value)",
    Aggregation.SUM: "sum(value)",
    Aggregation.COUNT: "count(*)",
    Aggregation.LAST: "(array_agg(value ORDER BY ts DESC))[1]",
}
_ROLLUP_EXPRESSIONS = {
    Aggregation.AVG: "sum(sum) / nullif(sum(count), 0)",
    Aggregation.MIN: "min(min)",
    Aggregation.MAX: "max(max)",
    Aggregation.SUM: "sum(sum)",
    Aggregation.COUNT: "sum(count)",
    Aggregation.LAST: "(array_agg(last ORDER BY bucket DESC))[1]",
}


def _table_columns(source: Source) -> tuple[str, str, str]:
    """(table, time column, counter value column)."""
    if source is Source.RAW:
        return Sample._meta.db_table, "ts", "value"
    return _ROLLUP_MODELS[source]._meta.db_table, "bucket", "last"


def _fetch_postgres(source, agg, series_ids, step, lo, hi) -> dict[int, list[tuple[int, float]]]:
    # Windows are numbered floor(epoch / step). The epoch as a double (faster than numeric) is
    # exact for whole seconds, so a sample on a window boundary always lands in the later one.
    table, time_column, value_column = _table_columns(source)
    if agg is Aggregation.RATE:
        lookback = lo - timedelta(seconds=_RATE_LOOKBACK[source])
        sql = (
            f"SELECT series_id, w, sum(increase) FROM ("
            f"  SELECT series_id, t, floor(date_part('epoch', t) / %s)::bigint AS w,"
            f"    CASE WHEN previous IS NULL THEN NULL WHEN v >= previous THEN v - previous"
            f"    ELSE v END AS increase"
            f"  FROM (SELECT series_id, {time_column} AS t, {value_column} AS v,"
            f"    lag({value_column}) OVER (PARTITION BY series_id ORDER BY {time_column})"
            f"    AS previous FROM {table}"
            f"    WHERE series_id = ANY(%s) AND {time_column} >= %s AND {time_column} < %s"
            f"  ) AS ordered"
            f") AS increments WHERE t >= %s AND increase IS NOT NULL GROUP BY 1, 2"
        )
        params = [step, list(series_ids), lookback, hi, lo]
    else:
        expressions = _RAW_EXPRESSIONS if source is Source.RAW else _ROLLUP_EXPRESSIONS
        sql = (
            f"SELECT series_id, floor(date_part('epoch', {time_column}) / %s)::bigint AS w, "
            f"{expressions[agg]} FROM {table} "
            f"WHERE series_id = ANY(%s) AND {time_column} >= %s AND {time_column} < %s "
            f"GROUP BY 1, 2"
        )
        params = [step, list(series_ids), lo, hi]
    points: dict[int, list[tuple[int, float]]] = defaultdict(list)
    with transaction.atomic(), connection.cursor() as cursor:
        # Large answers group hundreds of thousands of windows: give the hash aggregate room
        # instead of spilling to disk, and skip JIT compilation, which costs more than it saves
        # on queries this short.
        cursor.execute(f"SET LOCAL work_mem = '{_QUERY_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for series_id, w, value in cursor.fetchall():
            if agg is Aggregation.RATE:
                value = value / step
            points[series_id].append(((w + 1) * step, math.nan if value is None else value))
    # Sorting a few hundred points per series here is cheaper than an ORDER BY over all of
    # them, which spills to disk once the result outgrows work_mem.
    for line in points.values():
        line.sort()
    return points


# --- fetching: elsewhere the same aggregates in Python -----------------------------------------


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _rows_python(source, series_ids, lo, hi):
    """(series id, time, count, sum, min, max, last) per sample or rollup bucket, in order."""
    ids = list(series_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if source is Source.RAW:
            rows = (
                Sample.objects.filter(series_id__in=chunk, ts__gte=lo, ts__lt=hi)
                .order_by("series_id", "ts")
                .values_list("series_id", "ts", "value")
            )
            for series_id, ts, value in rows:
                yield series_id, ts, 1, value, value, value, value
        else:
            yield from (
                _ROLLUP_MODELS[source]
                .objects.filter(series_id__in=chunk, bucket__gte=lo, bucket__lt=hi)
                .order_by("series_id", "bucket")
                .values_list("series_id", "bucket", "count", "sum", "min", "max", "last")
            )


def _window_value(agg: Aggregation, count: int, total, low, high, last) -> float:
    if agg is Aggregation.COUNT:
        return float(count)
    value = {
        Aggregation.AVG: None if total is None or not count else total / count,
        Aggregation.MIN: low,
        Aggregation.MAX: high,
        Aggregation.SUM: total,
        Aggregation.LAST: last,
    }[agg]
    return math.nan if value is None else value


def _fetch_python(source, agg, series_ids, step, lo, hi) -> dict[int, list[tuple[int, float]]]:
    """Samples stored as NULL (SQLite's NaN) count as samples but are left out of sum, min and
    max, as the rollups on these databases leave them out."""
    step_micros = step * _MICROS
    lo_micros = _micros(lo)
    points: dict[int, list[tuple[int, float]]] = defaultdict(list)
    if agg is Aggregation.RATE:
        lookback = lo - timedelta(seconds=_RATE_LOOKBACK[source])
        previous: dict[int, float] = {}
        increases: dict[tuple[int, int], float] = {}
        for series_id, moment, *_aggregates, last in _rows_python(source, series_ids, lookback, hi):
            value = math.nan if last is None else last
            before = previous.get(series_id)
            previous[series_id] = value
            at = _micros(moment)
            if before is None or at < lo_micros:
                continue
            increase = value - before if value >= before else value
            key = (series_id, at // step_micros)
            increases[key] = increases.get(key, 0.0) + increase
        for (series_id, w), increase in sorted(increases.items()):
            points[series_id].append(((w + 1) * step, increase / step))
        return points
    windows: dict[tuple[int, int], list] = {}
    for series_id, moment, count, total, low, high, last in _rows_python(
        source, series_ids, lo, hi
    ):
        key = (series_id, _micros(moment) // step_micros)
        window = windows.get(key)
        if window is None:
            windows[key] = [count, total, low, high, last]
            continue
        window[0] += count
        if total is not None:
            window[1] = total if window[1] is None else window[1] + total
        if low is not None:
            window[2] = low if window[2] is None else min(window[2], low)
        if high is not None:
            window[3] = high if window[3] is None else max(window[3], high)
        window[4] = last
    for (series_id, w), aggregates in sorted(windows.items()):
        points[series_id].append(((w + 1) * step, _window_value(agg, *aggregates)))
    return points


def fetch_points(source, agg, series_ids, step, first, last) -> dict[int, list[tuple[int, float]]]:
    """Points first..last (window ends, multiples of step) of each series from `source`."""
    lo = _EPOCH + timedelta(seconds=first - step)
    hi = _EPOCH + timedelta(seconds=last)
    fetch = _fetch_postgres if connection.vendor == "postgresql" else _fetch_python
    return fetch(source, agg, series_ids, step, lo, hi)


# --- combining series ---------------------------------------------------------------------------


def _combine(op: GroupOp, values: list[float]) -> float:
    if op is GroupOp.SUM:
        return math.fsum(values)
    if op is GroupOp.AVG:
        return math.fsum(values) / len(values)
    if op is GroupOp.MIN:
        return min(values)
    if op is GroupOp.MAX:
        return max(values)
    return float(len(values))


def group_series(lines: list[SeriesPoints], op: GroupOp, by: tuple[str, ...]) -> list[SeriesPoints]:
    """One line per distinct value of the `by` labels, combining the values at each time."""
    grouped: dict[tuple[str, ...], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        key = tuple(
            (line.metric or "") if name == METRIC_NAME_LABEL else line.labels.get(name, "")
            for name in by
        )
        for t, value in line.points:
            grouped[key][t].append(value)
    combined = []
    for key in sorted(grouped):
        labels = {name: value for name, value in zip(by, key, strict=True) if value}
        metric = labels.pop(METRIC_NAME_LABEL, None)
        points = [(t, _combine(op, values)) for t, values in sorted(grouped[key].items())]
        combined.append(SeriesPoints(metric=metric, labels=labels, points=points))
    return combined


# --- the query ----------------------------------------------------------------------------------


def _too_many_points_message(points: int, range_seconds: float, step: int) -> str:
    limit = settings.ITOPS_METRICS_QUERY_MAX_POINTS
    suggested = nice_step_at_least(range_seconds / limit)
    return (
        f"A step of {format_duration(step)} gives {points} points per series over this range, "
        f"more than the limit of {limit}: use a larger step, at least "
        f"{format_duration(suggested)} (step={suggested})."
    )


def validate_by(by: tuple[str, ...]) -> tuple[str, ...]:
    for name in by:
        if not LABEL_NAME.match(name):
            raise BadParameter(f"by: {name!r} is not a label name.", field="by")
    return by


def query_range(
    selectors: list[Selector],
    *,
    start: float,
    end: float,
    step: int,
    agg: Aggregation = Aggregation.AVG,
    group: GroupOp | None = None,
    by: tuple[str, ...] = (),
    ci_id: int | None = None,
) -> RangeResult:
    """The points of every series matching any of `selectors` (and linked to the CI `ci_id`
    when given) between `start` and `end` (Unix seconds), one per `step` seconds, each
    summarising its window with `agg`; combined across series with `group` by the labels `by`
    when asked. Raises BadParameter or QueryTooLarge
    (both 400 in the API) with a message saying what to change."""
    if step < 1:
        raise BadParameter("step is too small: the smallest step is 1 second.", field="step")
    if end < start:
        raise BadParameter("end is before start.", field="end")
    validate_by(by)
    first = math.ceil(start / step) * step
    last = math.floor(end / step) * step
    count = max(0, (last - first) // step + 1)
    if count > settings.ITOPS_METRICS_QUERY_MAX_POINTS:
        raise QueryTooLarge(_too_many_points_message(count, end - start, step), field="step")

    margin = 60 + settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS
    selection = select_series(
        selectors,
        limit=settings.ITOPS_METRICS_QUERY_MAX_SERIES,
        seen_since=_EPOCH + timedelta(seconds=max(0.0, first - step - margin)),
        ci_id=ci_id,
    )
    if selection.truncated:
        raise QueryTooLarge(
            f"The selectors match more than {settings.ITOPS_METRICS_QUERY_MAX_SERIES} series: "
            "narrow them with more label matchers.",
            field="match",
        )
    total = count * len(selection.series)
    if total > settings.ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS:
        suggested = nice_step_at_least(
            (end - start) * len(selection.series) / settings.ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS
        )
        raise QueryTooLarge(
            f"{len(selection.series)} series x {count} points is more than the limit of "
            f"{settings.ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS} points: use a larger step, at "
            f"least {format_duration(suggested)} (step={suggested}), or fewer series.",
            field="step",
        )

    chosen = choose_resolution(end - start, step)
    result = RangeResult(
        start=start,
        end=end,
        step=step,
        agg=agg,
        resolution=chosen,
        windows_by_source={},
        group=group,
        by=by,
    )
    if not selection.series or not count:
        return result
    by_id = {series.id: series for series in selection.series}
    merged: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for source, seg_first, seg_last in plan_segments(first, last, step, chosen):
        result.windows_by_source[source.value] = (seg_last - seg_first) // step + 1
        fetched = fetch_points(source, agg, by_id.keys(), step, seg_first, seg_last)
        for series_id, points in fetched.items():
            merged[series_id].extend(points)
    lines = [
        SeriesPoints(
            metric=series.metric,
            labels=series.labels,
            points=merged[series.id],
            series_id=series.id,
            ci_id=series.ci_id,
        )
        for series in selection.series
        if merged.get(series.id)
    ]
    result.series = group_series(lines, group, by) if group else lines
    return result
