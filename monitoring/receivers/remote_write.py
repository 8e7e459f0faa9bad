"""Prometheus remote_write 1.0: snappy block-compressed protobuf `WriteRequest` bodies.

Decoding is built for throughput: the protobuf parse runs in C (upb), labels are taken as raw
bytes and looked up in a per-process cache (raw label bytes -> label pairs), so a series seen
before costs one dict lookup and its samples two list comprehensions.
"""

import array
import sys
from dataclasses import dataclass

import cramjam
from google.protobuf.message import DecodeError

from monitoring.choices import MetricType
from monitoring.ingest import ColumnBatch, Labels, Metadata
from monitoring.receivers import prompb
from monitoring.receivers.http import ReceiverError, too_large

METRIC_TYPES = {number: MetricType(name.lower()) for number, name in enumerate(prompb.METRIC_TYPES)}
LABEL_CACHE_SIZE = 200_000


class UndecodableBody(ReceiverError):
    def __init__(self, message: str):
        super().__init__(400, message, code="undecodable")


def snappy_declared_length(body: bytes) -> int:
    """The uncompressed length a snappy block announces (its leading varint), read before
    decompressing so a small body cannot make us allocate gigabytes."""
    length = 0
    for index in range(min(len(body), 10)):
        byte = body[index]
        length |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return length
    raise UndecodableBody("The body is not snappy block data (bad length header).")


def decompress(body: bytes, *, limit: int) -> bytes:
    if not body:
        raise UndecodableBody("The body is empty.")
    declared = snappy_declared_length(body)
    if declared > limit:
        raise too_large(limit, "decompressed body")
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except Exception as error:  # cramjam raises its own DecompressionError (and ValueError)
        raise UndecodableBody(
            f"The body is not valid snappy block data: {error}. (remote_write uses the snappy "
            "block format, not the framed format.)"
        ) from None


class LabelCache:
    """Raw label bytes (as they appear on the wire) -> (name, value) pairs, per process."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._pairs: dict[tuple[bytes, ...], Labels] = {}

    def labels(self, raw: tuple[bytes, ...]) -> Labels:
        pairs = self._pairs.get(raw)
        if pairs is None:
            pairs = self.add(raw)
        return pairs

    @property
    def lookup(self):
        """The bound `dict.get`, for hot loops (no method frame per lookup)."""
        return self._pairs.get

    def add(self, raw: tuple[bytes, ...]) -> Labels:
        pairs = _decode_labels(raw)
        if len(self._pairs) >= self.max_size:
            self._pairs = {}
        self._pairs[raw] = pairs
        return pairs

    def clear(self) -> None:
        self._pairs = {}


def _decode_labels(raw: tuple[bytes, ...]) -> Labels:
    pairs = []
    for item in raw:
        try:
            label = prompb.Label.FromString(item)
        except DecodeError:
            raise UndecodableBody("A label is not a valid protobuf Label message.") from None
        pairs.append((label.name, label.value))
    return tuple(pairs)


label_cache = LabelCache(LABEL_CACHE_SIZE)


@dataclass
class DecodedWrite:
    columns: ColumnBatch
    metadata: list[Metadata]


def decode(body: bytes, *, max_decoded_bytes: int) -> DecodedWrite:
    """Decode a remote_write body; UndecodableBody (400) or 413 when it cannot be."""
    raw = decompress(body, limit=max_decoded_bytes)
    try:
        request = prompb.WriteRequestRaw.FromString(raw)
    except DecodeError as error:
        raise UndecodableBody(f"The body is not a protobuf WriteRequest: {error}.") from None
    columns = _columns_in_bulk(request)
    if columns is None:
        columns = _columns_sample_by_sample(prompb.WriteRequestLite.FromString(raw))
    metadata = [
        Metadata(
            family=entry.metric_family_name,
            metric_type=METRIC_TYPES.get(entry.type, MetricType.UNKNOWN),
            help=entry.help,
            unit=entry.unit,
        )
        for entry in request.metadata
    ]
    return DecodedWrite(columns, metadata)


# A Sample as Prometheus encodes it: 0x09 + 8-byte little-endian double (field 1), 0x10 +
# varint timestamp (field 2). Millisecond timestamps from 1971 to 2109 take exactly 6 varint
# bytes, so a sample is 16 bytes; a sample whose value is 0.0 omits field 1 (proto3) and is 7.
_SAMPLE_SIZE = 16
_ZERO_VALUE = b"\x09" + bytes(8)
_HIGH_BIT = bytes(byte >> 7 for byte in range(256))
_LOW_SEVEN = bytes(byte & 0x7F for byte in range(256))


def _columns_in_bulk(request) -> ColumnBatch | None:
    """Decode every sample of the request at once, in C-level byte operations: the samples'
    raw bytes are joined into one block of 16-byte records, checked field by field, and split
    into columns with strided slices; the 6 varint bytes of each timestamp are reassembled in
    64-bit lanes of one big integer (7 bits per byte, no carry can cross a lane). None when a
    sample does not have the regular layout (then the caller decodes sample by sample)."""
    known, add_labels = label_cache.lookup, label_cache.add
    labels: list[Labels] = []
    counts: list[int] = []
    blocks: list[bytes] = []
    for timeseries in request.timeseries:
        samples = timeseries.samples
        count = len(samples)
        if not count:
            continue  # exemplars or native histograms only: not stored
        block = b"".join(samples)
        if len(block) != _SAMPLE_SIZE * count:
            if any(len(sample) not in (7, 16) for sample in samples):
                return None
            block = b"".join(
                [sample if len(sample) == 16 else _ZERO_VALUE + sample for sample in samples]
            )
        raw_labels = tuple(timeseries.labels)
        labels.append(known(raw_labels) or add_labels(raw_labels))
        counts.append(count)
        blocks.append(block)
    data = b"".join(blocks)
    total = len(data) // _SAMPLE_SIZE
    if (
        data[0::16] != b"\x09" * total
        or data[9::16] != b"\x10" * total
        or data[15::16].translate(_HIGH_BIT) != bytes(total)
        or any(data[k::16].translate(_HIGH_BIT) != b"\x01" * total for k in range(10, 15))
    ):
        return None
    value_bytes = bytearray(8 * total)
    for k in range(8):
        value_bytes[k::8] = data[1 + k :: 16]
    lanes = 0
    for k in range(6):
        lane = bytearray(8 * total)
        lane[0::8] = data[10 + k :: 16].translate(_LOW_SEVEN)
        lanes += int.from_bytes(lane, "little") << (7 * k)
    timestamps = array.array("q", lanes.to_bytes(8 * total, "little"))
    values = array.array("d", bytes(value_bytes))
    if sys.byteorder == "big":
        timestamps.byteswap()
        values.byteswap()
    return ColumnBatch(labels, counts, timestamps, values)


def _columns_sample_by_sample(request) -> ColumnBatch:
    labels_of = label_cache.labels
    labels: list[Labels] = []
    counts: list[int] = []
    timestamps: list[int] = []
    values: list[float] = []
    add_ts, add_value = timestamps.append, values.append
    for timeseries in request.timeseries:
        samples = timeseries.samples
        if not samples:
            continue
        labels.append(labels_of(tuple(timeseries.labels)))
        counts.append(len(samples))
        for sample in samples:
            add_ts(sample.timestamp)
            add_value(sample.value)
    return ColumnBatch(labels, counts, timestamps, values)


def check_headers(content_type: str, params: dict[str, str], encoding: str) -> None:
    """415 for anything but remote_write 1.0's `application/x-protobuf` + `snappy`."""
    if content_type != "application/x-protobuf":
        raise ReceiverError(
            415,
            f"Content-Type must be application/x-protobuf (remote_write 1.0), not {content_type!r}.",
            code="unsupported_media_type",
        )
    proto = params.get("proto")
    if proto and proto != "prometheus.WriteRequest":
        raise ReceiverError(
            415,
            f"Only remote_write 1.0 (proto=prometheus.WriteRequest) is accepted, not {proto!r}.",
            code="unsupported_media_type",
        )
    if encoding != "snappy":
        raise ReceiverError(
            415,
            f"Content-Encoding must be snappy, not {encoding or 'absent'!r}.",
            code="unsupported_media_type",
        )
