"""Figures for the operations overview: series counts, recent sample volume, ingestion by
receiver, and which key charts have data."""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import redis
from django.db.models import Count, Q, Sum
from django.utils import timezone

from monitoring.ingest import stats
from monitoring.models import MinuteRollup, Series
from monitoring.queries.listing import stale_before
from monitoring.queries.matchers import SelectorError, parse_selector, parse_selectors
from monitoring.queries.range import Aggregation, GroupOp, query_range

INGEST_COUNTER = "itops_ingest_samples_total"
OUTCOMES = ("accepted", "duplicate", "stale_marker", "rejected")


@dataclass
class SeriesCounts:
    total: int
    stale: int
    linked: int
    metrics: int

    @property
    def active(self) -> int:
        return self.total - self.stale


@dataclass
class ReceiverCounts:
    receiver: str
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class Ingestion:
    receivers: list[ReceiverCounts]
    # "last_hour": from the platform's own counters as stored series; "since_reset": the
    # running totals in Redis (no history to take an hour from); "unavailable": Redis is down.
    window: str


def series_counts() -> SeriesCounts:
    stale = Q(is_stale=True) | Q(last_seen__lt=stale_before())
    figures = Series.objects.aggregate(
        total=Count("id"),
        stale=Count("id", filter=stale),
        linked=Count("id", filter=Q(ci__isnull=False)),
    )
    metrics = Series.objects.values("metric").distinct().count()
    return SeriesCounts(metrics=metrics, **figures)


def samples_last_hour() -> int:
    """Samples stored in the last hour, from the minute rollups (up to the newest rolled-up
    minute, so the last minute or two are not counted yet)."""
    since = timezone.now() - timedelta(hours=1)
    total = MinuteRollup.objects.filter(bucket__gte=since).aggregate(total=Sum("count"))["total"]
    return total or 0


def recently_stale_series(limit: int = 10) -> list[Series]:
    stale = Q(is_stale=True) | Q(last_seen__lt=stale_before())
    return list(Series.objects.filter(stale).select_related("ci").order_by("-last_seen")[:limit])


def _from_stored_counters(now: float) -> list[ReceiverCounts] | None:
    """Increase of the platform's own counters over the last hour, when they are scraped into
    storage (the series exist); None otherwise."""
    selectors = parse_selectors([INGEST_COUNTER])
    if not Series.objects.filter(metric=INGEST_COUNTER).exists():
        return None
    result = query_range(
        selectors,
        start=now - 3600,
        end=now,
        step=60,
        agg=Aggregation.RATE,
        group=GroupOp.SUM,
        by=("receiver", "outcome"),
    )
    by_receiver: dict[str, dict[str, int]] = defaultdict(dict)
    for line in result.series:
        increase = sum(value * result.step for _t, value in line.points if value == value)
        by_receiver[line.labels.get("receiver", "")][line.labels.get("outcome", "")] = round(
            increase
        )
    return [ReceiverCounts(name, outcomes) for name, outcomes in sorted(by_receiver.items())]


def _from_running_totals() -> list[ReceiverCounts]:
    by_receiver: dict[str, dict[str, int]] = defaultdict(dict)
    for key, value in stats.read_counters().items():
        if not key.startswith(INGEST_COUNTER + "{"):
            continue
        try:
            labels = {m.name: m.value for m in parse_selector(key).matchers}
        except SelectorError:
            continue
        by_receiver[labels.get("receiver", "")][labels.get("outcome", "")] = int(value)
    return [ReceiverCounts(name, outcomes) for name, outcomes in sorted(by_receiver.items())]


def ingestion_by_receiver(*, now: float | None = None) -> Ingestion:
    now = time.time() if now is None else now
    stored = _from_stored_counters(now)
    if stored is not None:
        return Ingestion(stored, "last_hour")
    try:
        return Ingestion(_from_running_totals(), "since_reset")
    except redis.RedisError:
        return Ingestion([], "unavailable")


@dataclass(frozen=True)
class KeyChart:
    """A chart the overview shows when its metric has series."""

    title: str
    match: str
    agg: str = "avg"
    by: str = ""
    unit: str = ""

    @property
    def metric(self) -> str:
        return parse_selector(self.match).metric or ""


KEY_CHARTS = (
    KeyChart("Targets up, by job", "up", agg="last", by="job"),
    KeyChart(
        "Samples ingested per second, by receiver",
        f'{INGEST_COUNTER}{{outcome="accepted"}}',
        agg="rate",
        by="receiver",
        unit="/s",
    ),
    KeyChart(
        "CPU busy (cores), by instance",
        'node_cpu_seconds_total{mode!="idle"}',
        agg="rate",
        by="instance",
    ),
    KeyChart("Load average (1 m)", "node_load1"),
    KeyChart("Memory available", "node_memory_MemAvailable_bytes", unit="bytes"),
)


def key_charts_with_data(limit: int = 4) -> list[KeyChart]:
    present = set(
        Series.objects.filter(metric__in=[chart.metric for chart in KEY_CHARTS])
        .values_list("metric", flat=True)
        .distinct()
    )
    return [chart for chart in KEY_CHARTS if chart.metric in present][:limit]
