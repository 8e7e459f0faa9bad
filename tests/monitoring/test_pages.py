"""The ops pages: overview and metric explorer (charts are exercised in tests/e2e)."""

import time
from html import unescape
from urllib.parse import parse_qs

import pytest

from monitoring.ingest import stats
from monitoring.ingest.redis_store import client as redis_client
from tests.factories.monitoring import make_ci, make_link_rule, roll_up, write_points

pytestmark = pytest.mark.django_db

NOW = int(time.time()) // 60 * 60


@pytest.fixture
def metrics():
    make_link_rule("instance")
    make_ci("web-01")
    for minute in range(5):
        write_points(
            "up",
            {"instance": "web-01:9100", "job": "node"},
            [(NOW - 300 + 60 * minute, 1.0)],
            now_s=time.time(),
        )
    write_points("node_load1", {"instance": "gone:9100", "job": "node"}, [(NOW - 7200, 3.0)],
                 now_s=NOW - 7200)  # fmt: skip
    roll_up(NOW - 3600 * 3, NOW)


def test_only_ops_engineers_open_the_ops_pages(page_client_for, agent, requester):
    for user in (agent, requester):
        client = page_client_for(user)
        assert client.get("/ops/").status_code == 403
        assert client.get("/ops/explorer/").status_code == 403


def test_overview_counts_series_samples_and_lists_stale_ones(
    page_client_for, ops_engineer, metrics
):
    page = page_client_for(ops_engineer).get("/ops/")

    assert page.status_code == 200
    html = unescape(page.content.decode())
    counts = page.context["counts"]
    assert (counts.total, counts.stale, counts.active, counts.linked, counts.metrics) == (
        2, 1, 1, 1, 2,
    )  # fmt: skip
    assert page.context["samples_last_hour"] == 5
    assert 'node_load1{instance="gone:9100", job="node"}' in html
    assert [chart["chart"].metric for chart in page.context["charts"]] == ["up", "node_load1"]
    assert 'data-params="match%5B%5D=up&agg=last&by=job"' in html


def test_overview_shows_samples_by_receiver_from_the_counters(
    page_client_for, ops_engineer, metrics
):
    pipeline = redis_client().pipeline()
    stats.queue_counters(
        pipeline,
        {
            stats.line_key(
                "itops_ingest_samples_total", receiver="remote_write", outcome="accepted"
            ): 1234
        },
    )
    pipeline.execute()

    page = page_client_for(ops_engineer).get("/ops/")

    ingestion = page.context["ingestion"]
    assert ingestion.window == "since_reset"
    receivers = {r.receiver: r.outcomes for r in ingestion.receivers}
    assert receivers["remote_write"]["accepted"] == 1234
    assert "1,234" in page.content.decode()


def test_explorer_without_a_query_explains_what_to_type(page_client_for, ops_engineer):
    page = page_client_for(ops_engineer).get("/ops/explorer/")

    assert page.status_code == 200
    assert "Type a metric name" in page.content.decode()


def test_explorer_chart_view_hands_the_query_to_the_chart(page_client_for, ops_engineer, metrics):
    page = page_client_for(ops_engineer).get(
        "/ops/explorer/", {"match": 'up{job="node"}', "range": "6h", "agg": "max", "by": "job"}
    )

    assert page.context["range_seconds"] == 6 * 3600
    assert parse_qs(page.context["chart_params"]) == {
        "match[]": ['up{job="node"}'],
        "agg": ["max"],
        "by": ["job"],
    }
    assert 'data-range-seconds="21600"' in page.content.decode()


def test_explorer_table_view_is_rendered_by_the_server(page_client_for, ops_engineer, metrics):
    page = page_client_for(ops_engineer).get(
        "/ops/explorer/", {"match": "up", "range": "15m", "step": "60", "view": "table"}
    )

    table = page.context["table"]
    assert table["columns"] == ['up{instance="web-01:9100", job="node"}']
    assert [values for _moment, values in table["rows"]][-5:] == [[1.0]] * 5
    assert 'data-testid="explorer-table"' in page.content.decode()


def test_explorer_table_view_shows_why_a_query_was_refused(page_client_for, ops_engineer):
    page = page_client_for(ops_engineer).get(
        "/ops/explorer/", {"match": "up{job=", "view": "table"}
    )

    assert page.status_code == 200
    assert "Expected a quoted string" in page.context["error"]


def test_metric_name_suggestions_follow_what_is_typed(page_client_for, ops_engineer, metrics):
    client = page_client_for(ops_engineer)

    assert client.get(
        "/ops/explorer/metric-names/", {"match": "LOAD"}
    ).content.decode().strip() == ('<option value="node_load1"></option>')
    suggested = client.get("/ops/explorer/metric-names/", {"match": 'u{job="x"}'}).content.decode()
    assert '<option value="up"></option>' in suggested
    assert "node_load1" not in suggested
