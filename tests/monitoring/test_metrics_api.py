"""GET /api/v1/metrics/{series,query_range,names,labels/<name>/values}: who may read, what the
answers look like, and 400s that name the problem."""

import math
import time
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from tests.factories.monitoring import make_ci, make_link_rule, write_points

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/metrics/series"
QUERY_RANGE = "/api/v1/metrics/query_range"
NAMES = "/api/v1/metrics/names"

NOW = int(time.time()) // 60 * 60


@pytest.fixture
def node_metrics():
    """node_load1 for web-01 (linked to its CI, fresh) and web-02 (silent for an hour)."""
    make_link_rule("instance")
    make_ci("web-01")
    write_points(
        "node_load1",
        {"instance": "web-01:9100", "job": "node"},
        [(NOW - 120, 0.5), (NOW - 60, 0.75)],
        now_s=time.time(),
    )
    write_points(
        "node_load1",
        {"instance": "web-02:9100", "job": "node"},
        [(NOW - 3600, 2.0)],
        now_s=NOW - 3590,
    )
    write_points("up", {"instance": "web-01:9100", "job": "node"}, [(NOW - 60, 1.0)])


# --- who may read --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SERIES + "?match=up", QUERY_RANGE + "?match=up", NAMES])
def test_end_users_and_people_without_a_role_are_refused(api_for, requester, outsider, url):
    assert api_for(requester).get(url).status_code == 403
    assert api_for(outsider).get(url).status_code == 403


@pytest.mark.parametrize("url", [SERIES + "?match=up", QUERY_RANGE + "?match=up", NAMES])
def test_staff_read_metrics_agents_included(api_for, agent, ops_engineer, url, node_metrics):
    assert api_for(ops_engineer).get(url).status_code == 200
    assert api_for(agent).get(url).status_code == 200


def test_a_read_token_may_query_and_an_ingest_only_token_may_not(token_api_for, ops_engineer):
    assert token_api_for(ops_engineer, "read").get(QUERY_RANGE + "?match=up").status_code == 200
    refused = token_api_for(ops_engineer, "ingest").get(QUERY_RANGE + "?match=up")
    assert refused.status_code == 403
    assert "read" in refused.json()["detail"]


def test_anonymous_requests_are_refused(client):
    assert client.get(SERIES + "?match=up").status_code in (401, 403)


# --- series ------------------------------------------------------------------------------------


def test_series_lists_labels_times_ci_latest_value_and_staleness(
    api_for, ops_engineer, node_metrics
):
    response = api_for(ops_engineer).get(SERIES, {"match[]": 'node_load1{job="node"}'})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["truncated"] is False
    fresh, silent = body["results"]
    assert fresh["metric"] == "node_load1"
    assert fresh["labels"] == {"instance": "web-01:9100", "job": "node"}
    assert fresh["ci"]["name"] == "web-01"
    assert fresh["ci"]["url"] == f"/cmdb/cis/{fresh['ci']['id']}/"
    assert fresh["latest"] == {"ts": NOW - 60, "value": 0.75}
    assert fresh["stale"] is False
    assert isinstance(fresh["id"], str) and int(fresh["id"])
    assert fresh["first_seen"] and fresh["last_seen"]
    assert silent["labels"]["instance"] == "web-02:9100"
    assert silent["ci"] is None
    assert silent["stale"] is True


def test_series_match_parameters_are_ored_and_limit_bounds_the_answer(
    api_for, ops_engineer, node_metrics
):
    client = api_for(ops_engineer)

    both = client.get(SERIES + '?match[]=up&match[]=node_load1{instance=~"web-02.*"}').json()
    assert sorted(item["metric"] for item in both["results"]) == ["node_load1", "up"]
    limited = client.get(SERIES, {"match": '{job="node"}', "limit": 1}).json()
    assert limited["count"] == 1 and limited["truncated"] is True


# --- query_range -------------------------------------------------------------------------------


T0 = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())


@pytest.fixture
def gauge():
    write_points(
        "temperature",
        {"room": "a"},
        [(T0 + 15 * k, float(k)) for k in range(8)] + [(T0 + 120, math.nan)],
    )


def test_query_range_answers_points_per_series_for_charts(api_for, ops_engineer, gauge):
    response = api_for(ops_engineer).get(
        QUERY_RANGE,
        {"match": "temperature", "start": "2026-03-02T00:00:00Z", "end": T0 + 180, "step": "1m"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["resolution"] == "raw"
    assert body["sources"] == {"raw": 4}
    assert body["step"] == 60 and body["agg"] == "avg"
    (line,) = body["series"]
    assert line["metric"] == "temperature" and line["labels"] == {"room": "a"}
    # The NaN sample makes the last window's average NaN, sent as null (a gap in a chart).
    assert line["points"] == [[T0 + 60, 1.5], [T0 + 120, 5.5], [T0 + 180, None]]


def test_query_range_accepts_aggregation_and_grouping(api_for, ops_engineer, gauge):
    body = (
        api_for(ops_engineer)
        .get(
            QUERY_RANGE,
            {
                "match": "temperature",
                "start": T0,
                "end": T0 + 120,
                "step": 60,
                "agg": "max",
                "by": "room",
            },
        )
        .json()
    )

    assert body["group"] == "sum" and body["by"] == ["room"]
    assert body["series"] == [
        {
            "id": None,
            "metric": None,
            "labels": {"room": "a"},
            "ci_id": None,
            "points": [[T0 + 60, 3.0], [T0 + 120, 7.0]],
        }
    ]


def test_query_range_picks_a_step_when_none_is_given(api_for, ops_engineer, gauge):
    body = (
        api_for(ops_engineer)
        .get(QUERY_RANGE, {"match": "temperature", "start": T0, "end": T0 + 6 * 3600})
        .json()
    )

    assert body["step"] == 120  # the smallest usual step giving at most 250 points over 6 h


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"match": "up{job=node}"}, "match", "Expected a quoted string"),
        ({}, "match", "at least one selector"),
        ({"match": "up", "start": "yesterday"}, "start", "neither an RFC 3339 time"),
        ({"match": "up", "end": "2026-03-02T00:00:00"}, "end", "no time zone"),
        ({"match": "up", "start": T0 + 60, "end": T0}, "end", "end is before start"),
        ({"match": "up", "start": T0, "end": T0 + 60, "step": "0.5"}, "step", "too small"),
        (
            {"match": "up", "start": T0, "end": T0 + 60, "step": "5 minutes"},
            "step",
            "not a duration",
        ),
        ({"match": "up", "agg": "median"}, "agg", "must be one of avg, min, max"),
        ({"match": "up", "group": "p99"}, "group", "must be one of sum"),
        ({"match": "up", "by": "a-b"}, "by", "not a label name"),
        (
            {"match": "up", "start": T0, "end": T0 + 86400, "step": 1},
            "step",
            "use a larger step, at least 15s",
        ),
    ],
)
def test_bad_query_range_input_is_a_400_naming_the_problem(
    api_for, ops_engineer, params, field, message
):
    response = api_for(ops_engineer).get(QUERY_RANGE, params)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert message in response.json()["detail"]


@override_settings(ITOPS_METRICS_QUERY_MAX_SERIES=1)
def test_a_query_matching_too_many_series_is_a_400(api_for, ops_engineer, node_metrics):
    response = api_for(ops_engineer).get(QUERY_RANGE, {"match": "node_load1"})

    assert response.status_code == 400
    assert "more than 1 series" in response.json()["detail"]


# --- names and label values --------------------------------------------------------------------


def test_metric_names_for_autocomplete(api_for, ops_engineer, node_metrics):
    client = api_for(ops_engineer)

    assert client.get(NAMES).json() == {"results": ["node_load1", "up"], "truncated": False}
    assert client.get(NAMES, {"q": "LOAD"}).json()["results"] == ["node_load1"]
    assert client.get(NAMES, {"limit": 1}).json() == {"results": ["node_load1"], "truncated": True}


def test_label_values_of_all_series_or_of_matching_ones(api_for, ops_engineer, node_metrics):
    client = api_for(ops_engineer)

    assert client.get("/api/v1/metrics/labels/instance/values").json()["results"] == [
        "web-01:9100",
        "web-02:9100",
    ]
    assert client.get("/api/v1/metrics/labels/instance/values", {"match[]": "up"}).json()[
        "results"
    ] == ["web-01:9100"]
    assert client.get("/api/v1/metrics/labels/__name__/values").json()["results"] == [
        "node_load1",
        "up",
    ]
    bad = client.get("/api/v1/metrics/labels/not-a-label/values")
    assert bad.status_code == 400 and bad.json()["field"] == "name"
