"""`write_samples`: the one way samples get into storage."""

import array
import io
import logging
import struct
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from monitoring.choices import RejectReason
from monitoring.ingest import latest, partitions, stats
from monitoring.ingest.labels import InvalidLabels, Labels, canonical, series_id
from monitoring.ingest.redis_store import client as redis_client
from monitoring.ingest.series import (
    NewSeries,
    SeriesOutcome,
    create_series,
    mark_stale,
    series_cache,
    touch_series,
)
from monitoring.models import RollupBackfill

logger = logging.getLogger(__name__)

STALE_NAN_BITS = 0x7FF0000000000002
_STALE_NAN_BYTES = struct.pack("<Q", STALE_NAN_BITS)
STALE_NAN = struct.unpack("<d", _STALE_NAN_BYTES)[0]
_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PG_EPOCH_MS = 946_684_800_000  # 2000-01-01, the origin of PostgreSQL's binary timestamps


def is_stale_marker(value: float) -> bool:
    """Prometheus' stale marker: a NaN with one specific bit pattern. Other NaNs are values."""
    return value != value and struct.pack("<d", value) == _STALE_NAN_BYTES


class SeriesSamples(NamedTuple):
    """The samples of one series in a batch.

    `labels`: (name, value) pairs including ("__name__", metric), in any order; build them
    with `labels_of(metric, {...})`. Reuse the same tuple for the same series where you can:
    it is the key of the per-process series cache. `samples`: (timestamp in ms since the
    epoch, value) pairs; a value may be NaN or ±Inf, and a stale-marker NaN (see
    `is_stale_marker`) ends the series instead of being stored.
    """

    labels: Labels
    samples: Sequence[tuple[int, float]]


@dataclass
class WriteResult:
    """What `write_samples` did with a batch.

    `accepted`: samples stored by this call. `duplicates`: samples already stored (a resend:
    not an error). `stale_markers`: stale markers applied. `rejected`: refused samples by
    `RejectReason` value; `first_error` describes the first refusal for the sender.
    """

    accepted: int = 0
    duplicates: int = 0
    stale_markers: int = 0
    series_created: int = 0
    series_cache_misses: int = 0
    rejected: Counter = field(default_factory=Counter)
    first_error: str = ""

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, reason: RejectReason, count: int, message: str) -> None:
        self.rejected[reason.value] += count
        if not self.first_error:
            self.first_error = message

    def summary(self) -> str:
        parts = [f"{self.accepted} samples stored"]
        if self.duplicates:
            parts.append(f"{self.duplicates} already stored")
        if self.rejected:
            refused = ", ".join(
                f"{count} {reason}" for reason, count in sorted(self.rejected.items())
            )
            parts.append(f"{self.rejected_total} refused ({refused})")
        text = "; ".join(parts)
        return f"{text}. First problem: {self.first_error}" if self.first_error else text


def _describe(labels: Labels) -> str:
    text = ", ".join(f"{name}={value!r}" for name, value in labels)
    return text if len(text) <= 200 else text[:200] + "…"


def _ms_to_datetime(ts_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ts_ms)


@dataclass(slots=True)
class ColumnBatch:
    """Samples of many series as columns: the fast path for receivers that decode in bulk.

    `labels[i]` has `counts[i]` samples; `timestamps` and `values` hold all samples, series
    after series, in the same order. Same rules as `SeriesSamples` otherwise."""

    labels: list[Labels]
    counts: list[int]
    timestamps: Sequence[int]
    values: Sequence[float]

    @classmethod
    def of(cls, batch: Iterable[SeriesSamples]) -> "ColumnBatch":
        labels, counts, timestamps, values = [], [], [], []
        for series_labels, samples in batch:
            labels.append(series_labels)
            counts.append(len(samples))
            timestamps.extend([ts for ts, _value in samples])
            values.extend([value for _ts, value in samples])
        return cls(labels, counts, timestamps, values)


def write_samples(
    batch: Iterable[SeriesSamples] | ColumnBatch, *, source: str, now_ms: int | None = None
) -> WriteResult:
    """Store a batch of samples durably; return what was stored and what was refused.

    `batch` is an iterable of `SeriesSamples`, or a `ColumnBatch` (the same data in columns,
    cheaper for a receiver that decodes thousands of samples at once).

    Call it outside a transaction (it commits its own; creating a missing day partition must
    happen before the write). When it returns, the accepted samples are committed. Database
    errors propagate unchanged: a receiver answers 503 on OperationalError/InterfaceError so
    the sender retries, and a retry is harmless because (series, ts) pairs are stored once.

    Refused, counted by reason and described in `first_error`: series with invalid labels,
    samples more than ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS ahead of `now_ms`, samples older
    than the retention period, and series whose 64-bit id collides with another label set.
    Everything else in the batch is stored.

    After commit it updates the latest value of each series (Redis) and the ingestion
    counters of `source` (shown on /metrics); a Redis failure there is logged, not raised.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    columns = batch if isinstance(batch, ColumnBatch) else ColumnBatch.of(batch)
    result = WriteResult()
    newest_allowed = now_ms + settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS * 1000
    oldest_allowed = now_ms - settings.ITOPS_METRICS_RETENTION_DAYS * _DAY_MS

    # 1. Series ids: from the cache, or computed from the validated, canonical label set.
    cache_get = series_cache.lookup
    new: dict[int, NewSeries] = {}
    new_keys: list[tuple[Labels, int]] = []
    series_ids: list[int | None] = []
    for labels, count in zip(columns.labels, columns.counts, strict=True):
        sid = cache_get(labels)
        if sid is None:
            try:
                metric, canonical_labels = canonical(labels)
            except InvalidLabels as error:
                result.reject(RejectReason.INVALID_LABELS, count, f"{error} in {_describe(labels)}")
                series_ids.append(None)
                continue
            sid = series_id(metric, canonical_labels)
            if sid not in new:
                new[sid] = NewSeries(sid, metric, canonical_labels)
            new_keys.append((labels, sid))
        series_ids.append(sid)

    # 2. Samples: the common case (every series valid, every timestamp in range, no NaN at
    # all, so no stale marker) is checked with a few C-level passes over the columns and
    # needs no per-sample Python; anything else goes sample by sample.
    result.series_cache_misses = len(new_keys)
    tss, values = columns.timestamps, columns.values
    total = sum(values)
    oldest, latest_ts = (min(tss), max(tss)) if tss else (0, 0)
    newest: dict[int, tuple[int, float | None]] = {}
    stale: dict[int, int] = {}
    if (
        tss
        and None not in series_ids
        and total == total
        and oldest_allowed <= oldest
        and latest_ts <= newest_allowed
    ):
        sids: list[int] = []
        end = 0
        for sid, count in zip(series_ids, columns.counts, strict=True):
            if count:
                sids.extend([sid] * count)
                end += count
                # Samples of a series come in time order (the remote_write rule), so the last
                # is the newest; Redis keeps the newer one if two batches overlap.
                if sid in newest:
                    _keep_newest(newest, sid, tss[end - 1], values[end - 1])
                else:
                    newest[sid] = (tss[end - 1], values[end - 1])
    else:
        sids, tss, values = _filter_samples(
            series_ids, columns, result, newest, stale, oldest_allowed, newest_allowed
        )
        oldest, latest_ts = (min(tss), max(tss)) if tss else (0, 0)

    # Stale markers older than a sample of the same batch do not end the series.
    stale = {sid: ts for sid, ts in stale.items() if newest.get(sid, (ts, None))[1] is None}
    result.stale_markers = len(stale)
    if not tss and not stale:
        _after_commit(result, source=source, newest={})
        return result

    # 3. Partitions for the days written to, in their own short transaction.
    if tss:
        partitions.ensure_partitions(_days(oldest, latest_ts))

    # 4. One transaction: new series, samples, liveness, late-data marks.
    now = _ms_to_datetime(now_ms)
    collided: set[int] = set()
    if new:
        # Only series with something to store: a series whose samples were all refused is not
        # created.
        written = set(sids) | stale.keys()
        new = {sid: item for sid, item in new.items() if sid in written}
    with transaction.atomic():
        if new:
            outcome = create_series(list(new.values()), now=now)
            collided = {sid for sid, what in outcome.items() if what is SeriesOutcome.COLLIDED}
            result.series_created = sum(
                1 for what in outcome.values() if what is SeriesOutcome.CREATED
            )
            if collided:
                sids, tss, values = _drop_series(collided, sids, tss, values, result)
                oldest, latest_ts = (min(tss), max(tss)) if tss else (0, 0)
                for sid in collided:
                    stale.pop(sid, None)
                    newest.pop(sid, None)
        if tss:
            inserted = _store(sids, tss, values, oldest, latest_ts)
            result.accepted = inserted
            result.duplicates = len(tss) - inserted
            touch_series(set(sids), now=now)
            if inserted:  # a resend of stored samples changes no rollup
                _mark_late_data(tss, oldest, now_ms)
        if stale:
            mark_stale({sid: _ms_to_datetime(ts) for sid, ts in stale.items()})
        # Cache only what is committed: when the caller's own transaction wraps this one (a
        # test, a bulk import) and rolls back, the series rows are gone again.
        known = [(labels, sid) for labels, sid in new_keys if sid in new and sid not in collided]
        transaction.on_commit(lambda: series_cache.add_many(known))
    _after_commit(result, source=source, newest=newest)
    return result


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _filter_samples(series_ids, columns, result, newest, stale, oldest_allowed, newest_allowed):
    """Sample by sample: refuse out-of-range timestamps, set stale markers aside."""
    sids: list[int] = []
    tss: list[int] = []
    values: list[float] = []
    future = settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS
    retention = settings.ITOPS_METRICS_RETENTION_DAYS
    end = 0
    for sid, count in zip(series_ids, columns.counts, strict=True):
        start, end = end, end + count
        if sid is None:
            continue  # refused with its series
        for index in range(start, end):
            ts = columns.timestamps[index]
            value = columns.values[index]
            if ts > newest_allowed:
                result.reject(
                    RejectReason.FUTURE,
                    1,
                    f"timestamp {ts} ms is more than {future} s ahead of the server clock",
                )
            elif ts < oldest_allowed:
                result.reject(
                    RejectReason.TOO_OLD,
                    1,
                    f"timestamp {ts} ms is older than the retention period ({retention} days)",
                )
            elif value != value and is_stale_marker(value):
                if ts >= stale.get(sid, ts):
                    stale[sid] = ts
                _keep_newest(newest, sid, ts, None)
            else:
                sids.append(sid)
                tss.append(ts)
                values.append(value)
                _keep_newest(newest, sid, ts, value)
    return sids, tss, values


def _keep_newest(newest: dict, sid: int, ts: int, value: float | None) -> None:
    current = newest.get(sid)
    if current is None or ts >= current[0]:
        newest[sid] = (ts, value)


def _drop_series(collided, sids, tss, values, result):
    keep = [index for index, sid in enumerate(sids) if sid not in collided]
    dropped = len(sids) - len(keep)
    if dropped:
        result.reject(
            RejectReason.HASH_COLLISION,
            dropped,
            "a series id collides with another label set; rename a label to store it",
        )
    return [sids[i] for i in keep], [tss[i] for i in keep], [values[i] for i in keep]


def _mark_late_data(tss: Sequence[int], oldest: int, now_ms: int) -> None:
    """Samples for buckets the rollup job may have computed already: note their range."""
    closed_before = now_ms - settings.ITOPS_METRICS_ROLLUP_DELAY_SECONDS * 1000
    if oldest >= closed_before:
        return
    newest_late = max(ts for ts in tss if ts < closed_before)
    RollupBackfill.objects.create(
        start=_ms_to_datetime(oldest - oldest % 60_000),
        end=_ms_to_datetime(newest_late - newest_late % 60_000 + 60_000),
    )


def _after_commit(result: WriteResult, *, source: str, newest: dict) -> None:
    counts = {
        stats.line_key("itops_ingest_samples_total", receiver=source, outcome=outcome): amount
        for outcome, amount in (
            ("accepted", result.accepted),
            ("duplicate", result.duplicates),
            ("stale_marker", result.stale_markers),
            ("rejected", result.rejected_total),
        )
    }
    for reason, amount in result.rejected.items():
        key = stats.line_key("itops_ingest_samples_rejected_total", receiver=source, reason=reason)
        counts[key] = amount
    counts[stats.line_key("itops_ingest_series_created_total", receiver=source)] = (
        result.series_created
    )
    counts[stats.line_key("itops_ingest_series_cache_misses_total", receiver=source)] = (
        result.series_cache_misses
    )
    try:
        pipeline = redis_client().pipeline(transaction=False)
        latest.queue_latest(pipeline, newest)
        stats.queue_counters(pipeline, counts)
        pipeline.execute()
    except redis.RedisError as error:
        logger.warning("could not update latest values and counters in Redis: %s", error)


# --- storage back ends --------------------------------------------------------------------------


def _days(oldest: int, latest: int):
    return (
        date.fromordinal(_EPOCH_ORDINAL + day)
        for day in range(oldest // _DAY_MS, latest // _DAY_MS + 1)
    )


def _store(sids, tss, values, oldest: int, latest: int) -> int:
    """Insert the rows, skipping (series, ts) pairs already stored; return how many were new."""
    if connection.vendor == "postgresql":
        return _store_postgres(sids, tss, values, oldest, latest)
    return _store_sqlite(sids, tss, values)


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = b"\xff\xff"
# One row: 3 fields, then (length 8, int8 series id), (length 8, timestamp), (length 8, float8).
_ROW_TEMPLATE = (
    struct.pack(">h", 3)
    + struct.pack(">i", 8)
    + bytes(8)
    + struct.pack(">i", 8)
    + bytes(8)
    + struct.pack(">i", 8)
    + bytes(8)
)
_ROW_SIZE = len(_ROW_TEMPLATE)
_FIELD_OFFSETS = (6, 18, 30)


def binary_copy_payload(
    sids: Sequence[int], tss: Sequence[int], values: Sequence[float], *, oldest_ms: int
) -> bytes:
    """Rows in PostgreSQL's binary COPY format, built column by column.

    Every row has the same fixed layout, so instead of packing rows one by one in Python, each
    column becomes one native int64/float64 array whose bytes are spread into place, in
    big-endian order, by strided slice assignments that run in C. Timestamps are converted
    (ms since 1970 -> µs since 2000) on all samples at once, as the 64-bit lanes of one big
    integer: each lane stays within 64 bits, so no carry or borrow crosses into the next."""
    count = len(sids)
    rows = bytearray(_ROW_TEMPLATE * count)
    ts_array = (
        tss if isinstance(tss, array.array) and tss.typecode == "q" else array.array("q", tss)
    )
    if oldest_ms >= _PG_EPOCH_MS and _LITTLE_ENDIAN:
        lanes = int.from_bytes(ts_array.tobytes(), "little") * 1000 - _pg_epoch_lanes(count)
        micros = lanes.to_bytes(8 * count, "little")
    else:
        micros = array.array("q", [(ts - _PG_EPOCH_MS) * 1000 for ts in tss]).tobytes()
    columns = (
        array.array("q", sids).tobytes(),
        micros,
        (values if isinstance(values, array.array) else array.array("d", values)).tobytes(),
    )
    for raw, offset in zip(columns, _FIELD_OFFSETS, strict=True):
        for byte in range(8):
            # Native little-endian in, big-endian out: byte k lands at position 7 - k.
            target = offset + (7 - byte if _LITTLE_ENDIAN else byte)
            rows[target::_ROW_SIZE] = raw[byte::8]
    return _COPY_HEADER + bytes(rows) + _COPY_TRAILER


_LITTLE_ENDIAN = sys.byteorder == "little"
_epoch_lanes_cache: dict[int, int] = {}


def _pg_epoch_lanes(count: int) -> int:
    """PostgreSQL's epoch (in µs since 1970) in each of `count` 64-bit lanes."""
    lanes = _epoch_lanes_cache.get(count)
    if lanes is None:
        lanes = int.from_bytes(struct.pack("<q", _PG_EPOCH_MS * 1000) * count, "little")
        if len(_epoch_lanes_cache) > 64:
            _epoch_lanes_cache.clear()
        _epoch_lanes_cache[count] = lanes
    return lanes


_COPY_SAMPLES = "COPY monitoring_sample (series_id, ts, value) FROM STDIN (FORMAT binary)"
_STAGING = "monitoring_sample_staging"


def _store_postgres(sids, tss, values, oldest: int, latest: int) -> int:
    payload = binary_copy_payload(sids, tss, values, oldest_ms=oldest)
    for attempt in range(2):
        try:
            # Optimistic: a plain COPY into the partitioned table is twice as fast as going
            # through a staging table. A resend hits the unique key and takes the slow path.
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                connection.wrap_database_errors,
            ):
                cursor.copy_expert(_COPY_SAMPLES, io.BytesIO(payload), len(payload))
            return len(sids)
        except IntegrityError as error:
            code = getattr(error.__cause__, "pgcode", None)
            if code == "23514" and attempt == 0:
                # No partition for a row: another process dropped or we missed one. Re-read.
                partitions.forget_known_partitions()
                partitions.ensure_partitions(_days(oldest, latest))
                continue
            if code != "23505":
                raise
            break
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} "
            "(series_id bigint NOT NULL, ts timestamptz NOT NULL, value double precision)"
        )
        cursor.execute(f"TRUNCATE {_STAGING}")
        cursor.copy_expert(
            f"COPY {_STAGING} (series_id, ts, value) FROM STDIN (FORMAT binary)",
            io.BytesIO(payload),
            len(payload),
        )
        cursor.execute(
            f"INSERT INTO monitoring_sample (series_id, ts, value) "
            f"SELECT series_id, ts, value FROM {_STAGING} ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {_STAGING}")
    return inserted


def _store_sqlite(sids, tss, values) -> int:
    """SQLite: INSERT OR IGNORE in batches (timestamps in Django's text format)."""
    rows = [
        (sid, str(_ms_to_datetime(ts).replace(tzinfo=None)), value)
        for sid, ts, value in zip(sids, tss, values, strict=True)
    ]
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            cursor.executemany(
                "INSERT OR IGNORE INTO monitoring_sample (series_id, ts, value) VALUES (%s, %s, %s)",
                chunk,
            )
            inserted += cursor.rowcount
    return inserted
