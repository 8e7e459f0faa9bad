"""Reading metrics: selectors, series listings and range queries for the API, the ops pages
and other apps' panels. Everything here only reads."""

from monitoring.queries.listing import (
    Listing,
    SeriesInfo,
    describe_series,
    label_values,
    metric_names,
    series_list,
)
from monitoring.queries.matchers import (
    Matcher,
    MatchOp,
    Selector,
    SelectorError,
    parse_selector,
    parse_selectors,
)
from monitoring.queries.params import BadParameter, parse_duration_seconds, parse_step, parse_time
from monitoring.queries.range import (
    Aggregation,
    GroupOp,
    QueryTooLarge,
    RangeResult,
    SeriesPoints,
    Source,
    choose_resolution,
    query_range,
)
from monitoring.queries.selection import select_series

__all__ = [
    "Aggregation",
    "BadParameter",
    "GroupOp",
    "Listing",
    "MatchOp",
    "Matcher",
    "QueryTooLarge",
    "RangeResult",
    "Selector",
    "SelectorError",
    "SeriesInfo",
    "SeriesPoints",
    "Source",
    "choose_resolution",
    "describe_series",
    "label_values",
    "metric_names",
    "parse_duration_seconds",
    "parse_selector",
    "parse_selectors",
    "parse_step",
    "parse_time",
    "query_range",
    "select_series",
    "series_list",
]
