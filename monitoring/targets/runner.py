"""One run of one target: collect, store the series, record how it went on the target.

Scrapes also end series that disappeared: the label sets of the last successful scrape are kept
in Redis (`itops:monitoring:collect:series:<target id>:<created>`), and a series missing from the next
scrape, or every scraped series when the target goes down, gets a stale marker, as Prometheus
does. The synthetic series (`up`, ...) are written every run and never end that way.
"""

import json
import logging
import time

import redis
from django.utils import timezone

from monitoring.ingest import STALE_NAN, Labels, SeriesSamples, upsert_metadata, write_samples
from monitoring.ingest.redis_store import KEY_PREFIX
from monitoring.ingest.redis_store import client as redis_client
from monitoring.targets.choices import TargetHealth, TargetKind
from monitoring.targets.collectors import COLLECTORS, RunResult, synthetic_series
from monitoring.targets.models import Target

logger = logging.getLogger(__name__)

# Per target; its creation time is part of the key so a recreated database never inherits the
# series of an earlier target that had the same id.
SERIES_KEY = KEY_PREFIX + "collect:series:{}:{}"
SOURCES = {TargetKind.SCRAPE: "scrape", TargetKind.HTTP: "http_check", TargetKind.TCP: "tcp_check"}
# Metadata a target sent last time, so unchanged TYPE/HELP lines cost nothing.
_metadata_seen: dict[int, int] = {}


def _crashed(target: Target, started_ms: int, started: float, error: Exception) -> RunResult:
    labels = target.target_labels()
    name = "up" if target.kind == TargetKind.SCRAPE else "probe_success"
    return RunResult(
        success=False,
        duration_seconds=time.monotonic() - started,
        error=f"the collector failed: {type(error).__name__}: {error}",
        series=[synthetic_series(name, labels, 0.0, started_ms)],
        scraped_labels=set(),
    )


def _store_metadata(target_id: int, metadata) -> None:
    fingerprint = hash(tuple(metadata))
    if _metadata_seen.get(target_id) == fingerprint:
        return
    upsert_metadata(metadata)
    _metadata_seen[target_id] = fingerprint


def series_key(target: Target) -> str:
    return SERIES_KEY.format(target.id, int(target.created_at.timestamp()))


def _previous_series(key: str) -> set[Labels]:
    raw = redis_client().get(key)
    if not raw:
        return set()
    return {tuple(tuple(pair) for pair in labels) for labels in json.loads(raw)}


def _remember_series(key: str, series: set[Labels]) -> None:
    if series:
        redis_client().set(key, json.dumps(sorted(series)))
    else:
        redis_client().delete(key)


def end_series(series: set[Labels], *, at_ms: int, source: str) -> None:
    if series:
        write_samples(
            [SeriesSamples(labels, [(at_ms, STALE_NAN)]) for labels in series], source=source
        )


def end_target_series(*, key: str, target_id: int) -> None:
    """A target was deleted or disabled: end the series its last scrape wrote (`key` is its
    `series_key`, taken before a deletion)."""
    try:
        ended = _previous_series(key)
        end_series(ended, at_ms=int(time.time() * 1000), source="scrape")
        _remember_series(key, set())
    except redis.RedisError as error:
        logger.warning("could not end the series of target %s: %s", target_id, error)
    _metadata_seen.pop(target_id, None)


def _track_scraped_series(target: Target, result: RunResult, started_ms: int) -> None:
    key = series_key(target)
    try:
        previous = _previous_series(key)
        current = result.scraped_labels or set()
        vanished = previous - current
        end_series(vanished, at_ms=started_ms, source=SOURCES[target.kind])
        if current != previous:
            _remember_series(key, current)
    except redis.RedisError as error:
        logger.warning("could not track the series of target %s: %s", target.id, error)


def run_target(*, target_id: int) -> RunResult | None:
    """Collect `target_id` once. A failing target gives `success=False`, never an exception;
    only an unavailable database or Redis raises (the task is then retried on the next slot)."""
    target = Target.objects.filter(pk=target_id).first()
    if target is None:
        return None
    started = time.monotonic()
    started_ms = int(time.time() * 1000)
    try:
        result = COLLECTORS[target.kind](target, started_ms)
    except Exception as error:  # a bug in a collector must not take the worker down
        logger.exception("collecting target %s (%s) failed", target.id, target.name)
        result = _crashed(target, started_ms, started, error)
    source = SOURCES[target.kind]
    written = write_samples(result.series, source=source, now_ms=started_ms)
    if written.rejected and result.success:
        result.error = f"some samples were refused: {written.summary()}"
    if result.metadata:
        _store_metadata(target.id, result.metadata)
    if target.kind == TargetKind.SCRAPE:
        _track_scraped_series(target, result, started_ms)
    Target.objects.filter(pk=target.pk).update(
        last_run_at=timezone.now(),
        last_duration_seconds=result.duration_seconds,
        last_error=result.error[:2000],
        last_samples=result.samples_scraped,
        last_status_code=result.status_code,
        cert_expires_at=result.cert_expires_at,
        health=TargetHealth.UP if result.success else TargetHealth.DOWN,
    )
    return result
