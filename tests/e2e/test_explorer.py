"""An ops engineer looks at the operations overview and charts a metric in the explorer."""

import math
import re
import time

import pytest
from playwright.sync_api import expect

from monitoring.ingest import partitions
from monitoring.ingest.latest import LATEST_KEY
from monitoring.ingest.redis_store import client as redis_client
from monitoring.ingest.series import link_rules, series_cache
from monitoring.ingest.stats import STATS_KEY
from tests.factories.monitoring import make_ci, make_link_rule, roll_up, write_points

NOW = int(time.time()) // 60 * 60
HOSTS = ("web-01", "web-02")


@pytest.fixture
def fleet_metrics(transactional_db):
    """Six hours of node metrics for two hosts, one minute apart, rolled up."""
    series_cache.clear()
    link_rules.invalidate()
    partitions.forget_known_partitions()
    redis_client().delete(STATS_KEY, LATEST_KEY)
    make_link_rule("instance")
    make_ci("web-01")
    minutes = range(-360, 0)
    for number, host in enumerate(HOSTS, start=1):
        labels = {"instance": f"{host}:9100", "job": "node"}
        load = [
            (
                NOW + 60 * m,
                round(number + 0.6 * math.sin(m / (20 + 9 * number)) + 0.2 * math.sin(m / 3), 3),
            )
            for m in minutes
        ]
        write_points("node_load1", labels, load, now_s=time.time())
        memory = [(NOW + 60 * m, (6 + number + math.sin(m / 50)) * 2**30) for m in minutes]
        write_points("node_memory_MemAvailable_bytes", labels, memory, now_s=time.time())
        write_points("up", labels, [(NOW + 60 * m, 1.0) for m in minutes], now_s=time.time())
    write_points("up", {"instance": "pg-01:9187", "job": "postgres"},
                 [(NOW + 60 * m, 1.0 if m < -60 else 0.0) for m in minutes], now_s=time.time())  # fmt: skip
    # web-03 went silent three hours ago: a stale series.
    write_points("node_load1", {"instance": "web-03:9100", "job": "node"},
                 [(NOW + 60 * m, 0.5) for m in range(-360, -180)], now_s=NOW - 180 * 60)  # fmt: skip
    roll_up(NOW - 7 * 3600, NOW)
    yield
    series_cache.clear()
    partitions.forget_known_partitions()


def test_an_ops_engineer_charts_a_metric_in_the_explorer(
    page, login, live_server_url, ops_engineer, fleet_metrics, screenshot
):
    login(ops_engineer)
    page.goto(f"{live_server_url}/ops/")
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    expect(page.get_by_test_id("stat-series")).to_have_text("8")
    expect(page.get_by_test_id("stat-stale-series")).to_have_text("1")
    expect(page.get_by_test_id("stale-series")).to_contain_text('instance="web-03:9100"')
    expect(page.locator(".metric-chart canvas")).to_have_count(3)
    expect(page.get_by_test_id("legend-entry").filter(has_text='job="postgres"')).to_have_count(1)
    screenshot("ops-overview")

    page.get_by_role("link", name="Metric explorer").click()
    selector = page.get_by_label("Series selector")
    selector.fill("node_lo")
    expect(page.locator('#metric-names option[value="node_load1"]')).to_have_count(1)
    selector.fill("node_load1")
    page.get_by_label("Time range").select_option(label="Last 6 hours")
    page.get_by_role("button", name="Run query").click()

    chart = page.get_by_test_id("explorer-chart")
    expect(chart.locator("canvas")).to_be_visible()
    legend = chart.get_by_test_id("legend-entry")
    expect(legend).to_have_count(3)
    expect(legend.nth(0)).to_contain_text('node_load1{instance="web-01:9100", job="node"}')
    expect(legend.nth(1)).to_contain_text('instance="web-02:9100"')
    expect(chart.locator(".chart-meta")).to_contain_text("from 1-minute rollups")
    assert "match=node_load1" in page.url and "range=6h" in page.url
    canvas = chart.locator("canvas").bounding_box()
    assert canvas["width"] > 600 and canvas["height"] > 300
    screenshot("ops-explorer")

    page.get_by_role("switch", name="Auto-refresh (30 s)").check()
    expect(page).to_have_url(re.compile(r"refresh=on"))

    page.get_by_text("Table", exact=True).click()
    table = page.get_by_test_id("explorer-table")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_count(4)  # time + three series


def test_a_bad_selector_in_the_explorer_shows_the_reason(
    page, login, live_server_url, ops_engineer, fleet_metrics
):
    login(ops_engineer)
    page.goto(f"{live_server_url}/ops/explorer/?match=node_load1{{job%3Dnode}}")

    expect(page.get_by_test_id("explorer-chart").get_by_role("alert")).to_contain_text(
        "Expected a quoted string"
    )


def test_a_ci_page_charts_the_series_linked_to_it(
    page, login, live_server_url, ops_engineer, fleet_metrics, screenshot
):
    from cmdb.models import ConfigurationItem

    web_01 = ConfigurationItem.objects.get(name="web-01")
    login(ops_engineer)
    page.goto(f"{live_server_url}/cmdb/cis/{web_01.pk}/")

    panel = page.get_by_test_id("ci-metrics-panel")
    expect(panel).to_contain_text("3 linked series")
    expect(panel.locator("canvas")).to_have_count(3)
    screenshot("ci-metrics-panel")

    panel.get_by_role("link", name="Explorer").first.click()
    expect(page.get_by_test_id("ci-filter")).to_contain_text("Only series of CI web-01")
    legend = page.get_by_test_id("explorer-chart").get_by_test_id("legend-entry")
    expect(legend).to_have_count(1)
    expect(legend).to_contain_text('up{instance="web-01:9100", job="node"}')
