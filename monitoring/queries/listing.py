"""Listings for pickers and the series API: series with their latest value, metric names,
label values."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from monitoring.ingest.labels import METRIC_NAME_LABEL
from monitoring.ingest.latest import LatestValue, latest_values
from monitoring.models import Series
from monitoring.queries.matchers import Selector
from monitoring.queries.selection import select_series


@dataclass
class Listing:
    items: list
    truncated: bool  # there were more than the limit


@dataclass
class SeriesInfo:
    series: Series
    latest: LatestValue | None
    stale: bool


def stale_before(now: datetime | None = None) -> datetime:
    """Series whose samples stopped arriving before this time count as stale."""
    return (now or timezone.now()) - timedelta(seconds=settings.ITOPS_METRICS_STALE_AFTER_SECONDS)


def is_stale(series: Series, *, threshold: datetime) -> bool:
    return series.is_stale or series.last_seen < threshold


def list_limit(requested: int | None) -> int:
    ceiling = settings.ITOPS_METRICS_LIST_MAX_ITEMS
    return ceiling if requested is None else max(1, min(requested, ceiling))


def describe_series(series: list[Series]) -> list[SeriesInfo]:
    """Latest value (from Redis) and staleness of each series."""
    latest = latest_values(item.id for item in series) if series else {}
    threshold = stale_before()
    described = []
    for item in series:
        value = latest.get(item.id)
        stale = is_stale(item, threshold=threshold) or bool(value and value.stale)
        described.append(SeriesInfo(series=item, latest=value, stale=stale))
    return described


def series_list(
    selectors: list[Selector], *, limit: int | None = None, ci_id: int | None = None
) -> Listing:
    """Series matching any selector (of CI `ci_id` when given), with CI, latest value and
    staleness."""
    selection = select_series(selectors, limit=list_limit(limit), ci_id=ci_id, with_ci=True)
    return Listing(describe_series(selection.series), selection.truncated)


def metric_names(*, contains: str = "", limit: int | None = None) -> Listing:
    """Distinct metric names, alphabetically; `contains` filters case-insensitively."""
    limit = list_limit(limit)
    names = Series.objects.order_by("metric").values_list("metric", flat=True).distinct()
    if contains:
        names = names.filter(metric__icontains=contains)
    found = list(names[: limit + 1])
    return Listing(found[:limit], len(found) > limit)


def label_values(
    name: str, *, selectors: list[Selector] | None = None, limit: int | None = None
) -> Listing:
    """Distinct values of label `name` (`__name__`: metric names), among the series matching
    `selectors` when given."""
    limit = list_limit(limit)
    if selectors:
        selection = select_series(selectors, limit=settings.ITOPS_METRICS_LIST_MAX_ITEMS)
        values = {
            series.metric if name == METRIC_NAME_LABEL else series.labels.get(name, "")
            for series in selection.series
        }
        ordered = sorted(value for value in values if value)
        return Listing(ordered[:limit], len(ordered) > limit or selection.truncated)
    if name == METRIC_NAME_LABEL:
        return metric_names(limit=limit)
    values = (
        Series.objects.filter(labels__has_key=name)
        .annotate(value=KeyTextTransform(name, "labels"))
        .order_by("value")
        .values_list("value", flat=True)
        .distinct()
    )
    found = list(values[: limit + 1])
    return Listing(found[:limit], len(found) > limit)
