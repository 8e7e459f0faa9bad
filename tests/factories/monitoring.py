"""Builders for monitoring tests: real remote_write bodies, CIs to link, link rules."""

import itertools
import time

import cramjam

from monitoring.models import SeriesLinkRule
from monitoring.receivers import prompb

_sequence = itertools.count(1)


def now_ms() -> int:
    return int(time.time() * 1000)


def write_request(series, *, metadata=()) -> "prompb.WriteRequest":
    """A WriteRequest from [(labels dict incl. __name__, [(ts ms, value), ...])]; labels are
    sent sorted by name, as the specification requires."""
    request = prompb.WriteRequest()
    for labels, samples in series:
        timeseries = request.timeseries.add()
        for name in sorted(labels):
            timeseries.labels.add(name=name, value=labels[name])
        for ts, value in samples:
            timeseries.samples.add(timestamp=ts, value=value)
    for family, kind, help_text, unit in metadata:
        request.metadata.add(
            type=prompb.METRIC_TYPES.index(kind),
            metric_family_name=family,
            help=help_text,
            unit=unit,
        )
    return request


def remote_write_body(series, *, metadata=()) -> bytes:
    """The snappy block-compressed body Prometheus would POST."""
    return bytes(
        cramjam.snappy.compress_raw(write_request(series, metadata=metadata).SerializeToString())
    )


REMOTE_WRITE_HEADERS = {
    "content_type": "application/x-protobuf",
    "HTTP_CONTENT_ENCODING": "snappy",
    "HTTP_X_PROMETHEUS_REMOTE_WRITE_VERSION": "0.1.0",
}


def make_ci(name: str | None = None, **fields):
    """A server CI (monitoring tests mostly need hosts)."""
    from tests.factories import cmdb

    fields.setdefault("ci_class", cmdb.make_ci_class("server", name="Server"))
    return cmdb.make_ci(name or f"host-{next(_sequence)}", **fields)


def make_link_rule(label: str = "instance", pattern: str = r"^(.+?)(?::\d+)?$", **fields):
    return SeriesLinkRule.objects.create(label=label, pattern=pattern, **fields)


def make_target(name: str | None = None, **fields):
    from monitoring.targets.models import Target

    fields.setdefault("kind", "scrape")
    fields.setdefault("address", "http://127.0.0.1:9/metrics")
    fields.setdefault("timeout_seconds", 10)
    return Target.objects.create(name=name or f"target-{next(_sequence)}", **fields)


# --- stored samples, for query tests ------------------------------------------------------------


def write_points(metric: str, labels: dict, points, *, now_s: float | None = None) -> int:
    """Store [(unix seconds, value)] for `metric{labels}` through the ingestion interface, as of
    `now_s` (default: just after the last point); return the series id."""
    from monitoring.ingest import SeriesSamples, canonical, labels_of, series_id, write_samples

    pairs = labels_of(metric, labels)
    samples = [(round(ts * 1000), value) for ts, value in points]
    now_s = now_s if now_s is not None else max(ts for ts, _value in points) + 1
    result = write_samples([SeriesSamples(pairs, samples)], source="test", now_ms=int(now_s * 1000))
    assert not result.rejected_total, result.summary()
    return series_id(*canonical(pairs))


def roll_up(start_s: int, end_s: int) -> None:
    """Compute minute and hour rollups of [start_s, end_s) (hour-aligned) and mark them done."""
    from datetime import UTC, datetime

    from monitoring.ingest.rollups import rollup_hours, rollup_minutes
    from monitoring.models import RollupState

    start = datetime.fromtimestamp(start_s, tz=UTC)
    end = datetime.fromtimestamp(end_s, tz=UTC)
    rollup_minutes(start, end)
    rollup_hours(start, end)
    for resolution in ("1m", "1h"):
        RollupState.objects.update_or_create(resolution=resolution, defaults={"done_until": end})
