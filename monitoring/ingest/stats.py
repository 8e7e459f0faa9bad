"""Counters of the ingestion path, shared by every web and worker process through Redis.

Each counter is a field of one Redis hash whose name is the exposition line key, such as
`itops_ingest_samples_total{receiver="remote_write",outcome="accepted"}`, so the platform's
`/metrics` page renders them as they are. Counting in Redis (not in process memory) keeps the
figures right when several web workers and Celery workers ingest at once.
"""

import logging
from collections import defaultdict

import redis

from monitoring.ingest.redis_store import KEY_PREFIX, client

logger = logging.getLogger(__name__)

STATS_KEY = KEY_PREFIX + "stats"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

FAMILIES = {
    "itops_ingest_samples_total": (
        "counter",
        "Samples received, by receiver and outcome (accepted, duplicate, stale_marker, rejected).",
    ),
    "itops_ingest_samples_rejected_total": ("counter", "Samples refused, by receiver and reason."),
    "itops_ingest_series_created_total": ("counter", "New series, by receiver."),
    "itops_ingest_series_cache_misses_total": (
        "counter",
        "Series a web or worker process did not have in its id cache (checked in the database).",
    ),
    "itops_ingest_requests_total": ("counter", "Receiver requests, by receiver and HTTP status."),
    "itops_ingest_request_duration_seconds": (
        "histogram",
        "Time from request to answer, by receiver (for 2xx: samples committed).",
    ),
    "itops_ingest_string_fields_skipped_total": (
        "counter",
        "Line protocol string fields skipped (only numbers and booleans are stored), by receiver.",
    ),
    "itops_ingest_redis_errors_total": (
        "counter",
        "Latest values or counters that could not be written to Redis.",
    ),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def line_key(name: str, **labels: str) -> str:
    inner = ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items())
    return f"{name}{{{inner}}}" if inner else name


def queue_counters(pipeline, counts: dict[str, int]) -> None:
    for key, amount in counts.items():
        if amount:
            pipeline.hincrby(STATS_KEY, key, amount)


def queue_latency(pipeline, *, receiver: str, status: int, seconds: float) -> None:
    pipeline.hincrby(
        STATS_KEY, line_key("itops_ingest_requests_total", receiver=receiver, code=str(status)), 1
    )
    name = "itops_ingest_request_duration_seconds"
    for bound in LATENCY_BUCKETS:
        if seconds <= bound:
            pipeline.hincrby(
                STATS_KEY, line_key(f"{name}_bucket", receiver=receiver, le=repr(bound)), 1
            )
    pipeline.hincrby(STATS_KEY, line_key(f"{name}_bucket", receiver=receiver, le="+Inf"), 1)
    pipeline.hincrbyfloat(STATS_KEY, line_key(f"{name}_sum", receiver=receiver), seconds)
    pipeline.hincrby(STATS_KEY, line_key(f"{name}_count", receiver=receiver), 1)


def record_request(*, receiver: str, status: int, seconds: float) -> None:
    """Count one receiver request and its duration (never fails the request)."""
    try:
        pipeline = client().pipeline(transaction=False)
        queue_latency(pipeline, receiver=receiver, status=status, seconds=seconds)
        pipeline.execute()
    except redis.RedisError as error:
        logger.warning("could not record receiver statistics in Redis: %s", error)


def read_counters() -> dict[str, float]:
    raw = client().hgetall(STATS_KEY)
    values = {}
    for key, value in raw.items():
        number = float(value)
        values[key.decode()] = int(number) if number.is_integer() else number
    return values


def exposition(extra_gauges: list[tuple[str, str, list[tuple[str, float]]]] = ()) -> str:
    """The counters in Prometheus text format 0.0.4, plus `extra_gauges` given as
    (name, help, [(line key, value)])."""
    by_family: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, value in read_counters().items():
        bare = key.split("{", 1)[0]
        family = bare
        for suffix in ("_bucket", "_sum", "_count"):
            if bare.endswith(suffix) and bare[: -len(suffix)] in FAMILIES:
                family = bare[: -len(suffix)]
        by_family[family].append((key, value))
    lines = []
    for family, (kind, help_text) in FAMILIES.items():
        samples = by_family.get(family)
        if not samples:
            continue
        lines.append(f"# HELP {family} {help_text}")
        lines.append(f"# TYPE {family} {kind}")
        lines.extend(f"{key} {value}" for key, value in sorted(samples, key=_histogram_order))
    for name, help_text, samples in extra_gauges:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(f"{key} {value}" for key, value in samples)
    return "\n".join(lines) + "\n"


def _histogram_order(item: tuple[str, float]):
    key = item[0]
    if 'le="' in key:
        bound = key.split('le="', 1)[1].split('"', 1)[0]
        head = key.split('le="', 1)[0]
        return (head, 0, float("inf") if bound == "+Inf" else float(bound))
    return (key, 1, 0.0)


def reset_counters() -> None:
    client().delete(STATS_KEY)
