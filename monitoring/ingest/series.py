"""Series: the process-local id cache, creation of new series, metadata, CI links, staleness."""

import enum
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cmdb.models import ConfigurationItem
from monitoring.choices import MetricType
from monitoring.ingest.labels import Labels
from monitoring.models import MetricMetadata, Series, SeriesLinkRule

logger = logging.getLogger(__name__)

# Suffixes a sample name carries beyond its metric family name (histograms, summaries, counters).
FAMILY_SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created", "_info", "_gsum", "_gcount")
RULES_TTL_SECONDS = 60.0


class SeriesCache:
    """Label pairs as received -> series id, for series known to be in the database.

    Only filled after the transaction that created (or found) the series committed, so an id
    here always has its row. Bounded: past `max_size` entries it starts over, which costs one
    extra round trip per series on the next write, nothing more.
    """

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._ids: dict[Labels, int] = {}

    def get(self, labels: Labels) -> int | None:
        return self._ids.get(labels)

    @property
    def lookup(self):
        """The bound `dict.get` of the cache, for hot loops (no method frame per lookup)."""
        return self._ids.get

    def add_many(self, pairs: Iterable[tuple[Labels, int]]) -> None:
        if len(self._ids) >= self.max_size:
            self._ids = {}
        self._ids.update(pairs)

    def clear(self) -> None:
        self._ids = {}

    def __len__(self):
        return len(self._ids)


series_cache = SeriesCache(settings.ITOPS_METRICS_SERIES_CACHE_SIZE)


@dataclass(frozen=True, slots=True)
class NewSeries:
    id: int
    metric: str
    labels: dict[str, str]


def family_candidates(metric: str) -> list[str]:
    names = [metric]
    for suffix in FAMILY_SUFFIXES:
        if metric.endswith(suffix) and len(metric) > len(suffix):
            names.append(metric[: -len(suffix)])
    return names


# --- CI links ---------------------------------------------------------------------------------


class _LinkRules:
    """Enabled link rules and a CI name -> id map, both refreshed at most once a minute, so
    creating series does not query the CMDB per series."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded_at = -1e9
        self._rules: list[tuple[str, re.Pattern]] = []
        self._ci_ids: dict[str, int | None] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = -1e9

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at < RULES_TTL_SECONDS:
            return
        rules = []
        for rule in SeriesLinkRule.objects.filter(enabled=True).order_by("priority", "id"):
            try:
                rules.append((rule.label, re.compile(rule.pattern)))
            except re.error:
                logger.warning("series link rule %s has an invalid pattern; skipped", rule.pk)
        with self._lock:
            self._rules = rules
            self._ci_ids = {}
            self._loaded_at = time.monotonic()

    def candidate_names(self, labels: dict[str, str]) -> list[str]:
        names = []
        for label, pattern in self._rules:
            value = labels.get(label)
            if not value:
                continue
            match = pattern.search(value)
            if match and match.groups() and match.group(1):
                names.append(match.group(1))
        return names

    def resolve(self, many_labels: list[dict[str, str]]) -> list[int | None]:
        """The CI id for each label set (None when no rule finds a CI)."""
        self._refresh()
        if not self._rules:
            return [None] * len(many_labels)
        candidates = [self.candidate_names(labels) for labels in many_labels]
        unknown = {name for names in candidates for name in names if name not in self._ci_ids}
        if unknown:
            found = dict(
                ConfigurationItem.objects.filter(name__in=unknown).values_list("name", "id")
            )
            with self._lock:
                for name in unknown:
                    self._ci_ids[name] = found.get(name)
        resolved = []
        for names in candidates:
            ci_id = None
            for name in names:
                ci_id = self._ci_ids.get(name)
                if ci_id is not None:
                    break
            resolved.append(ci_id)
        return resolved


link_rules = _LinkRules()


# --- creation ---------------------------------------------------------------------------------


class SeriesOutcome(enum.Enum):
    CREATED = "created"
    EXISTED = "existed"
    COLLIDED = "collided"  # the id belongs to another label set (a 64-bit hash collision)


def create_series(new: list[NewSeries], *, now: datetime) -> dict[int, SeriesOutcome]:
    """Insert the series that do not exist yet (idempotent, safe beside concurrent writers),
    with metadata and CI link, and say for each id what happened. Samples of a COLLIDED
    series must be refused. Runs inside the caller's transaction.

    Most ids missing from a process's cache exist already (another worker created them, or
    the process restarted), so existing rows are read first and only the rest is inserted.
    """
    if not new:
        return {}
    stored = _stored([item.id for item in new])
    missing = [item for item in new if item.id not in stored]
    if missing:
        _insert(missing, now=now)
        stored.update(_stored([item.id for item in missing]))
    outcome = {}
    for item in new:
        metric, labels, first_seen = stored.get(item.id, (None, None, None))
        if metric != item.metric or labels != item.labels:
            outcome[item.id] = SeriesOutcome.COLLIDED
        elif first_seen == now:
            outcome[item.id] = SeriesOutcome.CREATED
        else:
            outcome[item.id] = SeriesOutcome.EXISTED
    return outcome


def _stored(ids: list[int]) -> dict[int, tuple[str, dict, datetime]]:
    rows = Series.objects.filter(id__in=ids).values_list("id", "metric", "labels", "first_seen")
    return {
        series_id: (metric, labels, first_seen) for series_id, metric, labels, first_seen in rows
    }


def _insert(new: list[NewSeries], *, now: datetime) -> None:
    metadata = _metadata_for({item.metric for item in new})
    ci_ids = link_rules.resolve([item.labels for item in new])
    rows = []
    for item, ci_id in zip(new, ci_ids, strict=True):
        meta = next(
            (metadata[name] for name in family_candidates(item.metric) if name in metadata), None
        )
        rows.append(
            Series(
                id=item.id,
                metric=item.metric,
                labels=item.labels,
                first_seen=now,
                last_seen=now,
                ci_id=ci_id,
                metric_type=meta.metric_type if meta else MetricType.UNKNOWN,
                help=meta.help if meta else "",
                unit=meta.unit if meta else "",
            )
        )
    Series.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _metadata_for(metrics: set[str]) -> dict[str, MetricMetadata]:
    families = {name for metric in metrics for name in family_candidates(metric)}
    return {meta.family: meta for meta in MetricMetadata.objects.filter(family__in=families)}


# --- liveness ---------------------------------------------------------------------------------


TOUCH_INTERVAL_SECONDS = 60.0


class RecentlyTouched:
    """Series this process moved `last_seen` for within the last minute, so a steady stream
    costs one UPDATE per series per minute instead of one per write.

    Another process's stale marker is therefore undone in the database up to a minute late
    (the latest value in Redis is exact at once); a stale marker handled by this process
    forgets the series here, so its next sample revives it immediately."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._at: dict[int, float] = {}

    def due(self, series_ids: Iterable[int]) -> list[int]:
        clock = time.monotonic()
        at = self._at
        due = [sid for sid in series_ids if clock - at.get(sid, -1e9) >= TOUCH_INTERVAL_SECONDS]
        if len(at) + len(due) > self.max_size:
            at.clear()
        for sid in due:
            at[sid] = clock
        return due

    def forget(self, series_ids: Iterable[int]) -> None:
        for sid in series_ids:
            self._at.pop(sid, None)

    def clear(self) -> None:
        self._at.clear()


recently_touched = RecentlyTouched(settings.ITOPS_METRICS_SERIES_CACHE_SIZE)


def touch_series(series_ids: Iterable[int], *, now: datetime) -> None:
    """Record that samples arrived: moves `last_seen` forward (at most once a minute per series)
    and revives series a stale marker had ended."""
    series_ids = recently_touched.due(series_ids)
    if not series_ids:
        return
    threshold = now - timezone.timedelta(seconds=TOUCH_INTERVAL_SECONDS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE monitoring_series SET last_seen = %s, is_stale = false, stale_at = NULL "
                "WHERE id = ANY(%s) AND (last_seen < %s OR is_stale)",
                [now, series_ids, threshold],
            )
        return
    for start in range(0, len(series_ids), 500):
        chunk = series_ids[start : start + 500]
        Series.objects.filter(Q(last_seen__lt=threshold) | Q(is_stale=True), id__in=chunk).update(
            last_seen=now, is_stale=False, stale_at=None
        )


@transaction.atomic
def mark_stale(stale_at: dict[int, datetime]) -> int:
    """End the liveness of series: {series id: time of the stale marker}. A series already
    marked stale at a later time keeps that time. Returns how many series changed.

    Markers usually come in bursts with one timestamp (a target went away), so this is one
    UPDATE per distinct time."""
    recently_touched.forget(stale_at)
    by_time: dict[datetime, list[int]] = {}
    for series_id, at in stale_at.items():
        by_time.setdefault(at, []).append(series_id)
    changed = 0
    for at, ids in by_time.items():
        for start in range(0, len(ids), 500):
            changed += (
                Series.objects.filter(id__in=ids[start : start + 500])
                .exclude(is_stale=True, stale_at__gte=at)
                .update(is_stale=True, stale_at=at)
            )
    return changed


# --- metadata ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metadata:
    family: str
    metric_type: str = MetricType.UNKNOWN
    help: str = ""
    unit: str = ""


@transaction.atomic
def upsert_metadata(entries: Iterable[Metadata]) -> int:
    """Store type, help and unit per metric family and copy them onto its series.

    Unchanged entries cost one read; senders repeat metadata every minute or so."""
    latest = {entry.family: entry for entry in entries if entry.family}
    if not latest:
        return 0
    current = {m.family: m for m in MetricMetadata.objects.filter(family__in=latest)}
    changed = 0
    for family, entry in latest.items():
        values = {"metric_type": entry.metric_type, "help": entry.help, "unit": entry.unit}
        existing = current.get(family)
        if existing and all(getattr(existing, key) == value for key, value in values.items()):
            continue
        MetricMetadata.objects.update_or_create(family=family, defaults=values)
        names = [family] + [family + suffix for suffix in FAMILY_SUFFIXES]
        Series.objects.filter(metric__in=names).update(**values)
        changed += 1
    return changed


# --- link maintenance -------------------------------------------------------------------------


def link_series_to_cis(*, relink: bool = False, batch_size: int = 2000) -> int:
    """Apply the link rules to series without a CI (or to all series with `relink`), for CIs
    created after their series or rules changed. Returns how many series changed."""
    link_rules.invalidate()
    changed = 0
    last_id = None
    while True:
        rows = Series.objects.order_by("id")
        if not relink:
            rows = rows.filter(ci__isnull=True)
        if last_id is not None:
            rows = rows.filter(id__gt=last_id)
        batch = list(rows.values_list("id", "labels", "ci_id")[:batch_size])
        if not batch:
            return changed
        last_id = batch[-1][0]
        resolved = link_rules.resolve([labels for _id, labels, _ci in batch])
        for (series_id, _labels, current), ci_id in zip(batch, resolved, strict=True):
            if ci_id != current and (relink or ci_id is not None):
                Series.objects.filter(id=series_id).update(ci_id=ci_id)
                changed += 1
