"""Finding the series that selectors match, with a bound on how many come back.

On PostgreSQL every matcher becomes SQL: the metric name is a column, label equality is jsonb
containment (served by the GIN index on `labels`), label presence is `?`, and regular
expressions use the `~` operator on the label's text, anchored like Prometheus'. On other
databases only the metric name and label equality go to SQL; the remaining matchers are
checked in Python on the candidates.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import DataError, connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from monitoring.ingest.labels import METRIC_NAME_LABEL
from monitoring.models import Series
from monitoring.queries.matchers import Matcher, MatchOp, Selector, SelectorError

_CHUNK = 2000


@dataclass
class SeriesSelection:
    series: list[Series]
    truncated: bool  # more series matched than the limit allowed


def _regex_condition(column_sql: str, params: list, matcher: Matcher) -> Q:
    operator = "~" if matcher.op is MatchOp.REGEX else "!~"
    expression = RawSQL(
        f"{column_sql} {operator} %s",
        (*params, matcher.anchored_pattern()),
        output_field=BooleanField(),
    )
    return Q(expression)


def _postgres_condition(matcher: Matcher) -> Q:
    if matcher.name == METRIC_NAME_LABEL:
        if matcher.op.is_regex:
            return _regex_condition('"monitoring_series"."metric"', [], matcher)
        condition = Q(metric=matcher.value)
        return ~condition if matcher.op is MatchOp.NOT_EQUAL else condition
    if matcher.op.is_regex:
        # A missing label reads as "", as in Prometheus.
        column = 'coalesce("monitoring_series"."labels" ->> %s, \'\')'
        return _regex_condition(column, [matcher.name], matcher)
    if matcher.value == "":
        # Empty values are never stored, so `name=""` means the label is absent.
        present = Q(labels__has_key=matcher.name)
        return ~present if matcher.op is MatchOp.EQUAL else present
    condition = Q(labels__contains={matcher.name: matcher.value})
    return ~condition if matcher.op is MatchOp.NOT_EQUAL else condition


def _portable_condition(matcher: Matcher) -> Q | None:
    """The part of a matcher every database can evaluate in SQL (None: check in Python)."""
    if matcher.op is not MatchOp.EQUAL or matcher.value == "":
        return None
    if matcher.name == METRIC_NAME_LABEL:
        return Q(metric=matcher.value)
    return Q(**{f"labels__{matcher.name}": matcher.value})


def _all_of(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        if condition is not None:
            combined &= condition
    return combined


def _any_of(conditions: list[Q]) -> Q:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def matching_queryset(selectors: list[Selector]) -> tuple[QuerySet, bool]:
    """Series matching any selector, as a queryset; the flag says whether the queryset is
    exact (True) or a superset that still needs `Selector.matches` in Python (False)."""
    if connection.vendor == "postgresql":
        conditions = [_all_of(_postgres_condition(m) for m in s.matchers) for s in selectors]
        return Series.objects.filter(_any_of(conditions)), True
    conditions = [_all_of(_portable_condition(m) for m in s.matchers) for s in selectors]
    return Series.objects.filter(_any_of(conditions)), False


def select_series(
    selectors: list[Selector],
    *,
    limit: int,
    seen_since: datetime | None = None,
    ci_id: int | None = None,
    with_ci: bool = False,
) -> SeriesSelection:
    """Up to `limit` series matching any of `selectors`, ordered by metric and labels.

    `seen_since`: leave out series whose samples stopped arriving before this time.
    `ci_id`: only series linked to this configuration item.
    """
    queryset, exact = matching_queryset(selectors)
    if seen_since is not None:
        queryset = queryset.filter(last_seen__gte=seen_since)
    if ci_id is not None:
        queryset = queryset.filter(ci_id=ci_id)
    if with_ci:
        queryset = queryset.select_related("ci")
    queryset = queryset.order_by("metric", "id")
    try:
        # A savepoint, so a refused pattern leaves the caller's transaction usable.
        with transaction.atomic():
            found = _fetch(queryset, selectors, exact=exact, limit=limit)
    except DataError as error:
        # PostgreSQL's regular expressions differ from Python's in a few corners.
        raise SelectorError(f"The database refused a regular expression: {error}".strip()) from None
    truncated = len(found) > limit
    found = found[:limit]
    found.sort(key=lambda series: (series.metric, sorted(series.labels.items())))
    return SeriesSelection(found, truncated)


def _fetch(queryset, selectors, *, exact: bool, limit: int) -> list[Series]:
    if exact:
        return list(queryset[: limit + 1])
    found = []
    for series in queryset.iterator(chunk_size=_CHUNK):
        if any(selector.matches(series.metric, series.labels) for selector in selectors):
            found.append(series)
            if len(found) > limit:
                break
    return found
