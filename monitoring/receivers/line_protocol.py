"""InfluxDB line protocol, as Telegraf and InfluxDB clients send it, turned into series.

    measurement[,tag_key=tag_value...] field_key=field_value[,field_key=field_value...] [timestamp]

Syntax (the InfluxDB line protocol reference):

- One point per line (`\\n`; a trailing `\\r` is ignored); empty lines and lines starting with
  `#` are skipped. Elements are separated by spaces.
- Escapes: in the measurement `\\,` and `\\ `; in tag keys, tag values and field keys `\\,`,
  `\\=` and `\\ `; in string field values `\\"` and `\\\\`. A backslash before any other
  character is a literal backslash, and `\\\\` is one backslash everywhere.
- Field values: float (`1`, `-1.5`, `1e3`), integer (`1i`), unsigned integer (`1u`), boolean
  (`t`, `T`, `true`, `True`, `TRUE`, `f`, `F`, `false`, `False`, `FALSE`), string (`"..."`).
- Tag values may not be empty; a point needs at least one field.
- The timestamp is optional (the time the request arrived is used) and counted in the unit the
  request's `precision` names. Samples are stored at millisecond resolution.

Mapping to Prometheus-style series (as Telegraf's Prometheus outputs name them):

- Each numeric field is a series named `<measurement>_<field>`; a field named `value` gives
  `<measurement>` alone, and the measurement `prometheus` (Telegraf's prometheus input with
  metric_version 2) gives `<field>` alone.
- Integers, unsigned integers and floats are stored as floats, booleans as 1 and 0. String
  fields are skipped (counted, never an error).
- Names are made valid: every character outside `[a-zA-Z0-9_:]` (metric names) or
  `[a-zA-Z0-9_]` (label names) becomes `_`; a name starting with a digit gets a leading `_`;
  a tag key starting with `__` (reserved by Prometheus) gets the prefix `tag`. When two tags of
  a point end up with the same label name, the first in key order wins.

A batch with a bad line is refused whole: `LineError` names the first bad line and why.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from monitoring.ingest import Labels, SeriesSamples
from monitoring.ingest.labels import METRIC_NAME_LABEL

_INVALID_METRIC_CHARS = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")
_INTEGER = re.compile(r"-?[0-9]+\Z")
_UNSIGNED = re.compile(r"[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_TRUE = frozenset({"t", "T", "true", "True", "TRUE"})
_FALSE = frozenset({"f", "F", "false", "False", "FALSE"})
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1
_CACHE_LIMIT = 200_000


def _scale(factor: int) -> Callable[[int], int]:
    return lambda ts: ts * factor


def _divide(divisor: int) -> Callable[[int], int]:
    return lambda ts: ts // divisor


# precision -> converter of a timestamp in that unit to milliseconds
TO_MILLISECONDS: dict[str, Callable[[int], int]] = {
    "ns": _divide(1_000_000),
    "n": _divide(1_000_000),
    "us": _divide(1000),
    "u": _divide(1000),
    "ms": _scale(1),
    "s": _scale(1000),
    "m": _scale(60_000),
    "h": _scale(3_600_000),
}
V2_PRECISIONS = ("ns", "us", "ms", "s")
V1_PRECISIONS = ("n", "ns", "u", "us", "ms", "s", "m", "h")


class LineError(ValueError):
    def __init__(self, line: int, reason: str, text: str):
        excerpt = text if len(text) <= 120 else text[:120] + "…"
        super().__init__(f"line {line}: {reason}: {excerpt!r}")
        self.line = line
        self.reason = reason


@dataclass
class ParsedBatch:
    series: list[SeriesSamples]
    points: int = 0
    samples: int = 0
    string_fields_skipped: int = 0


# --- names --------------------------------------------------------------------------------------


def metric_name(measurement: str, field: str) -> str:
    if measurement == "prometheus":
        base = field
    elif field == "value":
        base = measurement
    else:
        base = f"{measurement}_{field}"
    name = _INVALID_METRIC_CHARS.sub("_", base)
    return "_" + name if name[0].isdigit() else name


def label_name(tag_key: str) -> str:
    name = _INVALID_LABEL_CHARS.sub("_", tag_key)
    if name[0].isdigit():
        return "_" + name
    if name.startswith("__"):
        return "tag" + name
    return name


class _NameCache:
    """Raw series key (`measurement,tags` as written) -> {field key: label tuple}, so repeated
    batches (Telegraf sends the same series every interval) skip unescaping, sanitising and
    sorting, and reuse the same tuples (which write_samples' series cache then finds)."""

    def __init__(self):
        self.keys: dict[str, tuple[str, tuple[tuple[str, str], ...], dict[str, Labels]]] = {}
        self.size = 0

    def fields_of(self, raw_key: str, number: int) -> tuple:
        """(measurement, tag pairs, {field: labels}) of a raw key, parsing it the first time."""
        entry = self.keys.get(raw_key)
        if entry is None:
            measurement, tags = _parse_key(raw_key, number)
            if self.size >= _CACHE_LIMIT:
                self.clear()
            entry = self.keys[raw_key] = (measurement, tags, {})
        return entry

    def labels(self, entry: tuple, field: str) -> Labels:
        measurement, tags, by_field = entry
        labels = tuple(sorted(((METRIC_NAME_LABEL, metric_name(measurement, field)), *tags)))
        by_field[field] = labels
        self.size += 1
        return labels

    def clear(self) -> None:
        self.keys = {}
        self.size = 0


name_cache = _NameCache()


# --- the scanner for lines with escapes or strings ----------------------------------------------

_MEASUREMENT_STOPS = frozenset(", ")
_KEY_STOPS = frozenset(",= ")


def _read(text: str, position: int, stops: frozenset) -> tuple[str, int]:
    """Read up to the first unescaped character of `stops`; return (unescaped, its index)."""
    out = []
    length = len(text)
    start = position
    while position < length:
        char = text[position]
        if char == "\\" and position + 1 < length:
            following = text[position + 1]
            if following in stops or following == "\\":
                out.append(text[start:position])
                out.append(following)
                position += 2
                start = position
                continue
            position += 1
            continue
        if char in stops:
            break
        position += 1
    out.append(text[start:position])
    return "".join(out), position


def _read_string(text: str, position: int) -> tuple[str, int]:
    """A string field value starting after its opening quote; returns (value, index after the
    closing quote). None as value if unterminated."""
    out = []
    length = len(text)
    start = position
    while position < length:
        char = text[position]
        if char == "\\" and position + 1 < length and text[position + 1] in '"\\':
            out.append(text[start:position])
            out.append(text[position + 1])
            position += 2
            start = position
            continue
        if char == '"':
            out.append(text[start:position])
            return "".join(out), position + 1
        position += 1
    return None, position


def _parse_key(raw_key: str, number: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`measurement,tag=value,...` (raw, escapes included) -> (measurement, sorted label pairs)."""
    if "\\" in raw_key:
        measurement, position = _read(raw_key, 0, _MEASUREMENT_STOPS)
        raw_tags = []
        while position < len(raw_key):
            key, position = _read(raw_key, position + 1, _KEY_STOPS)
            if position >= len(raw_key) or raw_key[position] != "=":
                raise LineError(number, f"tag {key!r} has no value", raw_key)
            value, position = _read(raw_key, position + 1, _KEY_STOPS)
            if position < len(raw_key) and raw_key[position] != ",":
                raise LineError(number, f"unescaped '{raw_key[position]}' in tag {key!r}", raw_key)
            raw_tags.append((key, value))
    else:
        measurement, *parts = raw_key.split(",")
        raw_tags = []
        for part in parts:
            key, sep, value = part.partition("=")
            if not sep:
                raise LineError(number, f"tag {key!r} has no value", raw_key)
            if "=" in value:
                raise LineError(number, f"unescaped '=' in the value of tag {key!r}", raw_key)
            raw_tags.append((key, value))
    if not measurement:
        raise LineError(number, "missing measurement", raw_key)
    tags: dict[str, str] = {}
    for key, value in sorted(raw_tags):
        if not key:
            raise LineError(number, "a tag key is empty", raw_key)
        if not value:
            raise LineError(number, f"tag {key!r} has an empty value", raw_key)
        tags.setdefault(label_name(key), value)
    return measurement, tuple(sorted(tags.items()))


_FLOAT_ENDS = frozenset("0123456789.")


def _field_value(raw: str, key: str, number: int, line: str) -> float | None:
    """The numeric value of a field; LineError if it is not one."""
    last = raw[-1:]
    if last in _FLOAT_ENDS:
        # float() also takes "1_0" and surrounding blanks; line protocol does not.
        if "_" not in raw and _FLOAT.match(raw):
            value = float(raw)
            if math.isfinite(value):
                return value
    elif last == "i":
        digits = raw[:-1]
        if _INTEGER.match(digits):
            number_value = int(digits)
            if _INT64[0] <= number_value <= _INT64[1]:
                return float(number_value)
            raise LineError(number, f"integer field {key!r} is out of the 64-bit range", line)
    elif last == "u":
        digits = raw[:-1]
        if _UNSIGNED.match(digits):
            number_value = int(digits)
            if number_value <= _UINT64_MAX:
                return float(number_value)
            raise LineError(number, f"unsigned field {key!r} is out of the 64-bit range", line)
    elif raw in _TRUE:
        return 1.0
    elif raw in _FALSE:
        return 0.0
    raise LineError(number, f"invalid value {raw!r} for field {key!r}", line)


def _fields_slow(line: str, position: int, number: int) -> tuple[list, int, int]:
    """Fields of a line with escapes or strings: ([(key, value or None)], strings, end)."""
    fields = []
    length = len(line)
    while True:
        key, position = _read(line, position, _KEY_STOPS)
        if not key:
            raise LineError(number, "a field key is empty", line)
        if position >= length or line[position] != "=":
            raise LineError(number, f"field {key!r} has no value", line)
        position += 1
        if position < length and line[position] == '"':
            value, position = _read_string(line, position + 1)
            if value is None:
                raise LineError(number, f"unterminated string in field {key!r}", line)
            fields.append((key, None))
        else:
            end = position
            while end < length and line[end] not in ", ":
                end += 1
            raw = line[position:end]
            if not raw:
                raise LineError(number, f"field {key!r} has no value", line)
            fields.append((key, _field_value(raw, key, number, line)))
            position = end
        if position >= length or line[position] == " ":
            return fields, position
        if line[position] != ",":
            raise LineError(number, f"unexpected {line[position]!r} after field {key!r}", line)
        position += 1


def _split_key(line: str, number: int) -> tuple[str, int]:
    """The raw series key and the index of the space after it (escapes respected)."""
    position = 0
    length = len(line)
    while position < length:
        char = line[position]
        if char == "\\":
            position += 2
            continue
        if char == " ":
            return line[:position], position
        position += 1
    raise LineError(number, "missing fields", line)


def parse(body: str, *, precision: str, now_ms: int, names: _NameCache = name_cache) -> ParsedBatch:
    """Parse a whole body; raise LineError for the first bad line (nothing is kept)."""
    to_ms = TO_MILLISECONDS[precision]
    grouped: dict[Labels, list[tuple[int, float]]] = {}
    fields_of = names.fields_of
    new_labels = names.labels
    batch = ParsedBatch(series=[])
    points = samples = strings = 0
    for number, line in enumerate(body.split("\n"), start=1):
        if not line or line[0] == "#":
            continue
        if line[-1] in "\r \t":
            line = line.rstrip("\r \t")
            if not line:
                continue
        if line[0] in " \t":
            line = line.lstrip(" \t")
            if not line or line[0] == "#":
                continue
        if "\\" not in line and '"' not in line:
            parts = line.split()
            if len(parts) < 2:
                raise LineError(number, "missing fields", line)
            if len(parts) > 3:
                raise LineError(number, "unexpected text after the timestamp", line)
            raw_key = parts[0]
            fields = []
            for item in parts[1].split(","):
                key, sep, raw = item.partition("=")
                if not key:
                    raise LineError(number, "a field key is empty", line)
                if not sep or not raw:
                    raise LineError(number, f"field {key!r} has no value", line)
                fields.append((key, _field_value(raw, key, number, line)))
            raw_ts = parts[2] if len(parts) == 3 else None
        else:
            raw_key, position = _split_key(line, number)
            while position < len(line) and line[position] == " ":
                position += 1
            fields, position = _fields_slow(line, position, number)
            rest = line[position:].split()
            if len(rest) > 1:
                raise LineError(number, "unexpected text after the timestamp", line)
            raw_ts = rest[0] if rest else None
        if raw_ts is None:
            ts = now_ms
        elif _INTEGER.match(raw_ts):
            ts = to_ms(int(raw_ts))
        else:
            raise LineError(number, f"invalid timestamp {raw_ts!r}", line)
        points += 1
        entry = fields_of(raw_key, number)
        by_field = entry[2]
        for key, value in fields:
            if value is None:
                strings += 1
                continue
            labels = by_field.get(key)
            if labels is None:
                labels = new_labels(entry, key)
            samples += 1
            bucket = grouped.get(labels)
            if bucket is None:
                grouped[labels] = [(ts, value)]
            else:
                bucket.append((ts, value))
    batch.series = [SeriesSamples(labels, values) for labels, values in grouped.items()]
    batch.points = points
    batch.samples = samples
    batch.string_fields_skipped = strings
    return batch
