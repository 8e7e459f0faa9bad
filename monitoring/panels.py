"""The metrics panel on a configuration item's CMDB page: small charts of the series linked to
the CI (Series.ci), each with a link to the explorer limited to that CI.

Registered with the CMDB's panel registry from MonitoringConfig.ready(); the CMDB renders it
without importing monitoring.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from itops.roles import is_staff_member
from monitoring.models import Series

PANEL_KEY = "monitoring.ci_metrics"
PANEL_TEMPLATE = "monitoring/inc/ci_metrics_panel.html"
PANEL_RANGE = "6h"
PANEL_RANGE_SECONDS = 6 * 3600
ALL_SERIES_SELECTOR = '{__name__=~".+"}'


@dataclass(frozen=True)
class CIChart:
    title: str
    metric: str
    match: str
    agg: str = "avg"
    group: str = ""
    unit: str = ""


CI_CHARTS = (
    CIChart("Up", "up", "up", agg="last"),
    CIChart(
        "CPU busy (cores)",
        "node_cpu_seconds_total",
        'node_cpu_seconds_total{mode!="idle"}',
        agg="rate",
        group="sum",
    ),
    CIChart("Load average (1 m)", "node_load1", "node_load1"),
    CIChart(
        "Memory available",
        "node_memory_MemAvailable_bytes",
        "node_memory_MemAvailable_bytes",
        unit="bytes",
    ),
)


def _explorer_url(ci, **params) -> str:
    query = {"ci": ci.pk, "range": PANEL_RANGE, **{k: v for k, v in params.items() if v}}
    return reverse("monitoring:explorer") + "?" + urlencode(query)


def ci_metrics_context(*, request, ci) -> dict | None:
    """The panel's context, or None (no panel) for people who may not read metrics or a CI
    without linked series."""
    if not is_staff_member(request.user):
        return None
    metrics = dict(
        Series.objects.filter(ci=ci)
        .values("metric")
        .annotate(count=Count("id"))
        .values_list("metric", "count")
    )
    if not metrics:
        return None
    charts = []
    for chart in CI_CHARTS:
        if chart.metric not in metrics:
            continue
        params = {"match[]": chart.match, "agg": chart.agg, "ci": ci.pk}
        if chart.group:
            params["group"] = chart.group
        charts.append(
            {
                "chart": chart,
                "params": urlencode(params),
                "explorer_url": _explorer_url(
                    ci, match=chart.match, agg=chart.agg, group=chart.group
                ),
            }
        )
    return {
        "metric_series_count": sum(metrics.values()),
        "metric_charts": charts,
        "metric_range_seconds": PANEL_RANGE_SECONDS,
        "metric_explorer_url": _explorer_url(ci, match=ALL_SERIES_SELECTOR),
        "metric_links": [(name, _explorer_url(ci, match=name)) for name in sorted(metrics)],
    }


def register_panels() -> bool:
    """Add the metrics panel to CI pages (from MonitoringConfig.ready()); False when the CMDB
    has no panel registry to add it to."""
    try:
        from cmdb.panels import register_ci_panel
    except ImportError:
        return False
    register_ci_panel(
        key=PANEL_KEY, template_name=PANEL_TEMPLATE, context=ci_metrics_context, order=50
    )
    return True
