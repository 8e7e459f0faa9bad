"""The latest value of every series, kept in one Redis hash so the rule engine and dashboards
read it without touching the sample table.

Hash `itops:monitoring:latest`, field = series id (decimal), value = "<timestamp ms> <value>"
where value is a float in Python's repr ("nan" and "inf" included) or the word "stale" once a
stale marker ended the series. A write only replaces an older timestamp (a Lua script compares),
so out-of-order batches from several workers never move a series back in time.
"""

import math
from collections.abc import Iterable
from typing import NamedTuple

from monitoring.ingest.redis_store import KEY_PREFIX, client

LATEST_KEY = KEY_PREFIX + "latest"
STALE = "stale"

# ARGV[1]: one line per series, "<series id> <timestamp ms> <value>". One argument instead of
# three per series: packing thousands of arguments costs the client more than the script.
_SET_IF_NEWER = """
local key = KEYS[1]
for field, ts, value in string.gmatch(ARGV[1], "(%S+) (%S+) ([^\\n]+)") do
  local current = redis.call('HGET', key, field)
  local newer = true
  if current then
    local sep = string.find(current, ' ', 1, true)
    if sep and tonumber(string.sub(current, 1, sep - 1)) > tonumber(ts) then
      newer = false
    end
  end
  if newer then
    redis.call('HSET', key, field, ts .. ' ' .. value)
  end
end
return 0
"""


class LatestValue(NamedTuple):
    ts_ms: int
    value: float
    stale: bool


def queue_latest(pipeline, points: dict[int, tuple[int, float | None]]) -> None:
    """Queue on `pipeline` the update of {series id: (ts ms, value)}; value None = stale."""
    packed = "\n".join(
        [
            f"{sid} {ts} {STALE if value is None else repr(value)}"
            for sid, (ts, value) in points.items()
        ]
    )
    if packed:
        pipeline.eval(_SET_IF_NEWER, 1, LATEST_KEY, packed)


def _decode(raw: bytes) -> LatestValue:
    ts, _, value = raw.decode().partition(" ")
    if value == STALE:
        return LatestValue(int(ts), math.nan, True)
    return LatestValue(int(ts), float(value), False)


def latest_values(series_ids: Iterable[int]) -> dict[int, LatestValue]:
    """The latest value of each of `series_ids` that has one."""
    ids = list(series_ids)
    if not ids:
        return {}
    raw = client().hmget(LATEST_KEY, ids)
    return {sid: _decode(item) for sid, item in zip(ids, raw, strict=True) if item is not None}


def forget_latest(series_ids: Iterable[int]) -> None:
    ids = list(series_ids)
    if ids:
        client().hdel(LATEST_KEY, *ids)
