"""Metric ingestion: the storage interface every receiver and collector writes through.

Writing samples::

    from monitoring.ingest import SeriesSamples, labels_of, write_samples

    cpu = labels_of("node_load1", {"instance": "web-01:9100", "job": "node"})
    result = write_samples(
        [SeriesSamples(cpu, [(1_700_000_000_000, 0.42), (1_700_000_015_000, 0.40)])],
        source="scrape",                 # receiver or collector name, a label on /metrics
    )
    result.accepted, result.duplicates, result.rejected   # Counter by RejectReason value

- Timestamps are integer milliseconds since the Unix epoch (UTC); values are floats, NaN and
  ±Inf included. A NaN with the bits of `STALE_NAN` (Prometheus' stale marker) is not stored:
  it marks the series stale. Samples further ahead than ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS
  or older than the retention are refused and counted; the rest of the batch is stored.
- `labels` are (name, value) pairs including ("__name__", metric), in any order. The tuple is
  the key of a per-process cache of series ids, so a receiver that sees the same series again
  should pass an equal tuple (ideally the same object) to skip validation and hashing.
- Call it outside a transaction: it commits, and the samples are durable when it returns.
  Database errors propagate; receivers answer 503 on OperationalError/InterfaceError so the
  sender retries. Resending is safe: a (series, timestamp) pair is stored once.
- Group samples per series and send batches (hundreds to thousands of samples per call): the
  cost is per call (one COPY, one commit) far more than per sample.
- A receiver that decodes thousands of samples at once can pass a `ColumnBatch` (labels per
  series, sample counts per series, flat timestamp and value columns, e.g. `array.array`)
  instead of `SeriesSamples`; the remote_write receiver does.
- Line protocol and other receivers: sanitize names to the Prometheus rules first
  (`[a-zA-Z_:][a-zA-Z0-9_:]*` for metrics, `[a-zA-Z_][a-zA-Z0-9_]*` for labels); series that
  break them are refused with reason `invalid_labels`.

Also here: `mark_stale` (end series explicitly), `upsert_metadata` (type/help/unit per metric
family), `latest_values` (the newest sample of each series, from Redis, without touching the
sample table), and the scheduled maintenance in `partitions`, `retention` and `rollups`.
"""

from monitoring.ingest.labels import InvalidLabels, Labels, canonical, labels_of, series_id
from monitoring.ingest.latest import LatestValue, latest_values
from monitoring.ingest.series import Metadata, link_series_to_cis, mark_stale, upsert_metadata
from monitoring.ingest.writer import (
    STALE_NAN,
    ColumnBatch,
    SeriesSamples,
    WriteResult,
    is_stale_marker,
    write_samples,
)

__all__ = [
    "STALE_NAN",
    "ColumnBatch",
    "InvalidLabels",
    "Labels",
    "LatestValue",
    "Metadata",
    "SeriesSamples",
    "WriteResult",
    "canonical",
    "is_stale_marker",
    "labels_of",
    "latest_values",
    "link_series_to_cis",
    "mark_stale",
    "series_id",
    "upsert_metadata",
    "write_samples",
]
