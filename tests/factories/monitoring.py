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
