"""The JSON batch format of `POST /api/v1/ingest/metrics`.

The body is a JSON array of samples::

    [{"metric": "room_temperature_celsius", "labels": {"room": "dc1-a"}, "value": 21.5,
      "ts": 1700000000.25}]

- `metric` (required): a Prometheus metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`.
- `labels` (optional): an object of label name -> string value; names match
  `[a-zA-Z_][a-zA-Z0-9_]*`, `__name__` is not allowed here (it is `metric`).
- `value` (required): a number, or one of the strings "NaN", "+Inf", "-Inf".
- `ts` (optional): Unix time in **seconds** (a float, for sub-second precision); missing or
  null means the time the server received the batch. Millisecond precision is kept.

The batch is all or nothing: the first invalid item is named by its index and nothing is
stored. A body may be gzip-encoded (`Content-Encoding: gzip`).
"""

import json
import math

from monitoring.ingest import InvalidLabels, SeriesSamples, canonical
from monitoring.ingest.labels import METRIC_NAME_LABEL
from monitoring.receivers.http import ReceiverError, bad_request

_SPECIAL_VALUES = {"nan": math.nan, "+inf": math.inf, "inf": math.inf, "-inf": -math.inf}


class BadItem(ReceiverError):
    def __init__(self, index: int, message: str):
        super().__init__(400, f"Item {index}: {message}", code="invalid")
        self.index = index


def _value(raw, index: int) -> float:
    if isinstance(raw, bool) or raw is None:
        raise BadItem(index, "`value` must be a number.")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str) and raw.strip().lower() in _SPECIAL_VALUES:
        return _SPECIAL_VALUES[raw.strip().lower()]
    raise BadItem(index, '`value` must be a number (or "NaN", "+Inf", "-Inf").')


def parse(
    body: bytes, *, now_ms: int, newest_allowed_ms: int, oldest_allowed_ms: int
) -> tuple[list[SeriesSamples], int]:
    """Validate the whole batch and group it by series: ([SeriesSamples], sample count)."""
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request(f"The body is not valid JSON: {error}.", code="undecodable") from None
    if not isinstance(items, list):
        raise bad_request("The body must be a JSON array of samples.")
    grouped: dict[tuple, list[tuple[int, float]]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadItem(index, "each item must be an object.")
        unknown = set(item) - {"metric", "labels", "value", "ts"}
        if unknown:
            raise BadItem(index, f"unknown field(s): {', '.join(sorted(unknown))}.")
        metric = item.get("metric")
        if not isinstance(metric, str) or not metric:
            raise BadItem(index, "`metric` must be a non-empty string.")
        labels = item.get("labels") or {}
        if not isinstance(labels, dict):
            raise BadItem(index, "`labels` must be an object of strings.")
        if METRIC_NAME_LABEL in labels:
            raise BadItem(index, "`labels` must not contain __name__; use `metric`.")
        pairs = [(METRIC_NAME_LABEL, metric), *labels.items()]
        try:
            canonical(pairs)
        except InvalidLabels as error:
            raise BadItem(index, f"{error}.") from None
        value = _value(item.get("value"), index)
        ts = item.get("ts")
        if ts is None:
            ts_ms = now_ms
        elif isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
            raise BadItem(index, "`ts` must be Unix time in seconds (a number).")
        else:
            ts_ms = round(ts * 1000)
        if ts_ms > newest_allowed_ms:
            raise BadItem(index, f"`ts` {ts} is too far in the future (check the sender's clock).")
        if ts_ms < oldest_allowed_ms:
            raise BadItem(index, f"`ts` {ts} is older than the retention period.")
        grouped.setdefault(tuple(sorted(pairs)), []).append((ts_ms, value))
    series = [SeriesSamples(labels, samples) for labels, samples in grouped.items()]
    return series, len(items)
