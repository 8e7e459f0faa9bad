"""Metric reads: series, range queries for charts, metric names and label values.

Selectors are Prometheus' (`match[]=up{job="node"}`, repeatable, ORed; `match` works too).
Times are RFC 3339 or Unix seconds, steps seconds or durations (`30s`, `5m`). Values that are
NaN or infinite are sent as null, which charts draw as gaps. Series ids are 64-bit hashes and
sent as strings, since JSON numbers lose precision past 2**53.
"""

import math

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from itops.permissions import IsStaffMember
from monitoring.ingest.labels import LABEL_NAME
from monitoring.queries import (
    Aggregation,
    BadParameter,
    GroupOp,
    label_values,
    metric_names,
    parse_selectors,
    query_range,
    series_list,
)
from monitoring.queries.requests import (
    ci_param,
    limit_param,
    optional_selectors,
    range_arguments,
    selector_texts,
)

MATCH_PARAMETERS = [
    OpenApiParameter(
        "match[]",
        str,
        many=True,
        description='Series selector, e.g. `up{job="node",instance=~"web-.*"}`; repeat to OR.',
    ),
    OpenApiParameter("match", str, many=True, description="The same as `match[]`."),
]
LIMIT_PARAMETER = OpenApiParameter(
    "limit", int, description="At most this many items (capped by ITOPS_METRICS_LIST_MAX_ITEMS)."
)
CI_PARAMETER = OpenApiParameter(
    "ci", int, description="Only series linked to the configuration item with this id."
)


def finite(value) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def ci_link(ci) -> dict | None:
    if ci is None:
        return None
    return {"id": ci.pk, "name": ci.name, "url": reverse("cmdb:ci-detail", args=[ci.pk])}


def range_result_body(result) -> dict:
    """The JSON of a range query, shaped for charts."""
    return {
        "resolution": result.resolution.value,
        "sources": result.windows_by_source,
        "start": result.start,
        "end": result.end,
        "step": result.step,
        "agg": result.agg.value,
        "group": result.group.value if result.group else None,
        "by": list(result.by),
        "series": [
            {
                "id": None if line.series_id is None else str(line.series_id),
                "metric": line.metric,
                "labels": line.labels,
                "ci_id": line.ci_id,
                "points": [[t, finite(value)] for t, value in line.points],
            }
            for line in result.series
        ],
    }


# --- documentation of the answers ---------------------------------------------------------------


class CILinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class LatestSerializer(serializers.Serializer):
    ts = serializers.FloatField(help_text="Unix seconds.")
    value = serializers.FloatField(allow_null=True)


class SeriesSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="64-bit series id, as a string.")
    metric = serializers.CharField()
    labels = serializers.DictField(child=serializers.CharField())
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    stale = serializers.BooleanField()
    ci = CILinkSerializer(allow_null=True)
    latest = LatestSerializer(allow_null=True)


class SeriesListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    truncated = serializers.BooleanField()
    results = SeriesSerializer(many=True)


class RangeSeriesSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    metric = serializers.CharField(allow_null=True)
    labels = serializers.DictField(child=serializers.CharField())
    ci_id = serializers.IntegerField(allow_null=True)
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="[[unix seconds, value or null], ...]",
    )


class RangeResultSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=["raw", "1m", "1h"])
    sources = serializers.DictField(
        child=serializers.IntegerField(), help_text="Windows served by each source."
    )
    start = serializers.FloatField()
    end = serializers.FloatField()
    step = serializers.IntegerField()
    agg = serializers.CharField()
    group = serializers.CharField(allow_null=True)
    by = serializers.ListField(child=serializers.CharField())
    series = RangeSeriesSerializer(many=True)


class ValueListSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.CharField())
    truncated = serializers.BooleanField()


# --- views --------------------------------------------------------------------------------------


class MetricsReadView(APIView):
    """Staff read metrics; a token needs the read scope."""

    permission_classes = APIView.permission_classes + [IsStaffMember]


class SeriesView(MetricsReadView):
    @extend_schema(
        summary="Series matching selectors",
        parameters=[*MATCH_PARAMETERS, CI_PARAMETER, LIMIT_PARAMETER],
        responses={200: SeriesListSerializer},
    )
    def get(self, request):
        selectors = parse_selectors(selector_texts(request.query_params))
        listing = series_list(
            selectors,
            limit=limit_param(request.query_params),
            ci_id=ci_param(request.query_params),
        )
        results = [
            {
                "id": str(info.series.id),
                "metric": info.series.metric,
                "labels": info.series.labels,
                "first_seen": info.series.first_seen,
                "last_seen": info.series.last_seen,
                "stale": info.stale,
                "ci": ci_link(info.series.ci),
                "latest": None
                if info.latest is None
                else {"ts": info.latest.ts_ms / 1000, "value": finite(info.latest.value)},
            }
            for info in listing.items
        ]
        return Response({"count": len(results), "truncated": listing.truncated, "results": results})


class QueryRangeView(MetricsReadView):
    @extend_schema(
        summary="Points of the matching series over a time range, for charts",
        description=(
            "The point at time t summarises the samples in [t - step, t) with `agg`. Served "
            "from raw samples, 1-minute or 1-hour rollups depending on the range; "
            "`resolution` says which."
        ),
        parameters=[
            *MATCH_PARAMETERS,
            OpenApiParameter("start", str, description="RFC 3339 or Unix seconds (end - 1h)."),
            OpenApiParameter("end", str, description="RFC 3339 or Unix seconds (now)."),
            OpenApiParameter("step", str, description="Seconds or a duration: 15, 30s, 5m."),
            OpenApiParameter("agg", str, enum=[a.value for a in Aggregation]),
            OpenApiParameter("group", str, enum=[g.value for g in GroupOp]),
            OpenApiParameter("by", str, description="Comma-separated labels to group by."),
            CI_PARAMETER,
        ],
        responses={200: RangeResultSerializer},
    )
    def get(self, request):
        result = query_range(**range_arguments(request.query_params))
        return Response(range_result_body(result))


class MetricNamesView(MetricsReadView):
    @extend_schema(
        summary="Metric names (for autocomplete)",
        parameters=[
            OpenApiParameter("q", str, description="Only names containing this."),
            LIMIT_PARAMETER,
        ],
        responses={200: ValueListSerializer},
    )
    def get(self, request):
        params = request.query_params
        listing = metric_names(contains=params.get("q", "").strip(), limit=limit_param(params))
        return Response({"results": listing.items, "truncated": listing.truncated})


class LabelValuesView(MetricsReadView):
    @extend_schema(
        summary="Values of one label",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, description="Label name."),
            *MATCH_PARAMETERS,
            LIMIT_PARAMETER,
        ],
        responses={200: ValueListSerializer},
    )
    def get(self, request, name: str):
        if not LABEL_NAME.match(name):
            raise BadParameter(f"{name!r} is not a label name.", field="name")
        params = request.query_params
        listing = label_values(
            name, selectors=optional_selectors(params), limit=limit_param(params)
        )
        return Response({"results": listing.items, "truncated": listing.truncated})
