"""Ops pages: the operations overview and the metric explorer. Charts on them fetch their points
from the query API (/api/v1/metrics/query_range); everything else is rendered here."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse

from cmdb.models import ConfigurationItem
from itops.choices import Role
from itops.errors import DomainError
from itops.roles import role_required
from monitoring.queries import Aggregation, GroupOp, metric_names, query_range
from monitoring.queries.matchers import series_selector
from monitoring.queries.overview import (
    ingestion_by_receiver,
    key_charts_with_data,
    recently_stale_series,
    samples_last_hour,
    series_counts,
)
from monitoring.queries.requests import range_arguments

RANGES = (
    ("15m", 15 * 60, "Last 15 minutes"),
    ("1h", 3600, "Last hour"),
    ("6h", 6 * 3600, "Last 6 hours"),
    ("24h", 86400, "Last 24 hours"),
    ("7d", 7 * 86400, "Last 7 days"),
    ("custom", None, "Custom"),
)
RANGE_SECONDS = {key: seconds for key, seconds, _label in RANGES}
TABLE_MAX_SERIES = 20
OVERVIEW_CHART_RANGE = "6h"


def explorer_url(match: str, **params) -> str:
    query = {"match": match, **{key: value for key, value in params.items() if value}}
    return reverse("monitoring:explorer") + "?" + urlencode(query)


@dataclass
class ExplorerQuery:
    """The explorer's form, read from (and written back to) the URL, so a query is a link."""

    matches: list[str] = field(default_factory=list)
    range: str = "1h"
    start: str = ""
    end: str = ""
    step: str = ""
    agg: str = Aggregation.AVG.value
    group: str = ""
    by: str = ""
    view: str = "chart"
    refresh: bool = False
    ci: str = ""

    @classmethod
    def from_params(cls, params: QueryDict) -> "ExplorerQuery":
        matches = [text.strip() for text in params.getlist("match") if text.strip()]
        chosen_range = params.get("range", "1h")
        return cls(
            matches=matches,
            range=chosen_range if chosen_range in RANGE_SECONDS else "1h",
            start=params.get("start", "").strip(),
            end=params.get("end", "").strip(),
            step=params.get("step", "").strip(),
            agg=params.get("agg", Aggregation.AVG.value),
            group=params.get("group", ""),
            by=params.get("by", "").strip(),
            view="table" if params.get("view") == "table" else "chart",
            refresh=params.get("refresh") == "on",
            ci=params.get("ci", "").strip(),
        )

    def api_params(self, *, now: float | None = None) -> QueryDict:
        """The query API's parameters for this form, the time range made absolute."""
        params = QueryDict(mutable=True)
        params.setlist("match[]", self.matches)
        for name in ("step", "agg", "group", "by", "ci"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        if self.range == "custom":
            if self.start:
                params["start"] = self.start
            if self.end:
                params["end"] = self.end
        else:
            now = time.time() if now is None else now
            params["start"] = str(now - RANGE_SECONDS[self.range])
            params["end"] = str(now)
        return params

    def chart_params(self) -> str:
        """The query API's parameters without the time range, which the chart script adds
        (it moves with the clock when the page refreshes itself)."""
        params = self.api_params()
        params.pop("start", None)
        params.pop("end", None)
        return params.urlencode()


def _table(result) -> dict:
    """Rows of times, a column per series (the first TABLE_MAX_SERIES)."""
    lines = result.series[:TABLE_MAX_SERIES]
    times = sorted({t for line in lines for t, _value in line.points})
    values = [dict(line.points) for line in lines]
    return {
        "columns": [series_selector(line.metric, line.labels) for line in lines],
        "rows": [
            (datetime.fromtimestamp(t, tz=UTC), [column.get(t) for column in values]) for t in times
        ],
        "hidden_series": max(0, len(result.series) - TABLE_MAX_SERIES),
        "resolution": result.resolution.value,
        "step": result.step,
    }


def _ci_filter(request, query: ExplorerQuery) -> dict | None:
    """The CI the explorer is limited to, and the URL of the same query without that limit."""
    if not query.ci:
        return None
    ci = ConfigurationItem.objects.filter(pk=query.ci).first() if query.ci.isdigit() else None
    params = request.GET.copy()
    params.pop("ci", None)
    return {
        "name": ci.name if ci else f"#{query.ci}",
        "remove_url": f"{request.path}?{params.urlencode()}",
    }


@role_required(Role.OPS_ENGINEER)
def explorer(request):
    query = ExplorerQuery.from_params(request.GET)
    table, error = None, ""
    if query.matches and query.view == "table":
        try:
            table = _table(query_range(**range_arguments(query.api_params())))
        except DomainError as refused:
            error = refused.message
    return render(
        request,
        "monitoring/explorer.html",
        {
            "query": query,
            "matches": query.matches or [""],
            "ranges": RANGES,
            "aggregations": list(Aggregation),
            "group_ops": list(GroupOp),
            "table": table,
            "error": error,
            "chart_params": query.chart_params() if query.matches else "",
            "range_seconds": RANGE_SECONDS.get(query.range),
            "ci_filter": _ci_filter(request, query),
        },
    )


@role_required(Role.OPS_ENGINEER)
def explorer_metric_names(request):
    """Options for the selector box's autocomplete (htmx): names containing what is typed
    before any `{`."""
    typed = request.GET.get("match", "").split("{", 1)[0].strip()
    names = metric_names(contains=typed, limit=50).items
    return render(request, "monitoring/inc/metric_name_options.html", {"names": names})


@role_required(Role.OPS_ENGINEER)
def index(request):
    charts = [
        {
            "chart": chart,
            "params": urlencode(
                {"match[]": chart.match, "agg": chart.agg, **({"by": chart.by} if chart.by else {})}
            ),
            "explorer_url": explorer_url(
                chart.match,
                agg=chart.agg,
                group="sum" if chart.by else "",
                by=chart.by,
                range=OVERVIEW_CHART_RANGE,
            ),
        }
        for chart in key_charts_with_data()
    ]
    return render(
        request,
        "monitoring/index.html",
        {
            "counts": series_counts(),
            "samples_last_hour": samples_last_hour(),
            "ingestion": ingestion_by_receiver(),
            "stale_series": [
                (series, series_selector(series.metric, series.labels))
                for series in recently_stale_series()
            ],
            "charts": charts,
            "chart_range_seconds": RANGE_SECONDS[OVERVIEW_CHART_RANGE],
        },
    )
