"""The metrics panel on a CI's CMDB page and the CI filter behind its charts."""

import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from cmdb.panels import ci_panels
from monitoring.panels import PANEL_KEY, PANEL_TEMPLATE, ci_metrics_context
from tests.factories.monitoring import make_ci, make_link_rule, write_points

pytestmark = pytest.mark.django_db

NOW = int(time.time()) // 60 * 60


@pytest.fixture
def web_01():
    """web-01 with up, load and CPU series linked to it; web-02 with load only."""
    make_link_rule("instance")
    ci = make_ci("web-01")
    make_ci("web-02")
    for host in ("web-01", "web-02"):
        labels = {"instance": f"{host}:9100", "job": "node"}
        write_points("node_load1", labels, [(NOW - 60, 1.5)], now_s=time.time())
    labels = {"instance": "web-01:9100", "job": "node"}
    write_points("up", labels, [(NOW - 60, 1.0)], now_s=time.time())
    for mode in ("idle", "user"):
        write_points(
            "node_cpu_seconds_total", {**labels, "cpu": "0", "mode": mode}, [(NOW - 60, 10.0)]
        )
    return ci


def request_by(user):
    request = RequestFactory().get("/cmdb/")
    request.user = user
    return request


def test_the_panel_charts_the_key_metrics_the_ci_has(ops_engineer, web_01):
    context = ci_metrics_context(request=request_by(ops_engineer), ci=web_01)

    assert context["metric_series_count"] == 4
    charts = {item["chart"].metric: item for item in context["metric_charts"]}
    assert list(charts) == ["up", "node_cpu_seconds_total", "node_load1"]
    cpu = parse_qs(charts["node_cpu_seconds_total"]["params"])
    assert cpu == {
        "match[]": ['node_cpu_seconds_total{mode!="idle"}'],
        "agg": ["rate"],
        "ci": [str(web_01.pk)],
        "group": ["sum"],
    }
    explorer = parse_qs(urlsplit(charts["up"]["explorer_url"]).query)
    assert explorer == {"ci": [str(web_01.pk)], "range": ["6h"], "match": ["up"], "agg": ["last"]}
    assert [name for name, _url in context["metric_links"]] == [
        "node_cpu_seconds_total",
        "node_load1",
        "up",
    ]


def test_agents_see_the_panel_end_users_do_not(agent, requester, web_01):
    assert ci_metrics_context(request=request_by(agent), ci=web_01) is not None
    assert ci_metrics_context(request=request_by(requester), ci=web_01) is None


def test_a_ci_without_linked_series_has_no_panel(ops_engineer):
    assert ci_metrics_context(request=request_by(ops_engineer), ci=make_ci("printer-7")) is None


def test_the_panel_renders_a_chart_per_key_metric(ops_engineer, web_01):
    request = request_by(ops_engineer)
    context = ci_metrics_context(request=request, ci=web_01)

    html = unescape(render_to_string(PANEL_TEMPLATE, {"ci": web_01, **context}, request=request))

    assert html.count("data-chart") == 3
    assert f"match%5B%5D=up&agg=last&ci={web_01.pk}" in html
    assert "4 linked series" in html


def test_query_range_limited_to_a_ci_returns_only_its_series(api_for, ops_engineer, web_01):
    body = (
        api_for(ops_engineer)
        .get("/api/v1/metrics/query_range", {"match": "node_load1", "ci": web_01.pk})
        .json()
    )

    assert [line["labels"]["instance"] for line in body["series"]] == ["web-01:9100"]
    assert [line["ci_id"] for line in body["series"]] == [web_01.pk]


def test_a_ci_filter_that_is_not_an_id_is_a_400(api_for, ops_engineer):
    response = api_for(ops_engineer).get("/api/v1/metrics/series", {"match": "up", "ci": "web"})

    assert response.status_code == 400 and response.json()["field"] == "ci"


def test_the_explorer_says_it_is_limited_to_a_ci(page_client_for, ops_engineer, web_01):
    page = page_client_for(ops_engineer).get(
        "/ops/explorer/", {"match": "node_load1", "ci": web_01.pk, "range": "6h"}
    )

    html = unescape(page.content.decode())
    assert "Only series of CI <strong>web-01</strong>" in html
    assert page.context["ci_filter"]["remove_url"] == "/ops/explorer/?match=node_load1&range=6h"
    assert parse_qs(page.context["chart_params"])["ci"] == [str(web_01.pk)]


def test_the_panel_is_registered_and_shown_on_the_ci_page(page_client_for, ops_engineer, web_01):
    assert PANEL_KEY in [panel.key for panel in ci_panels()]

    html = unescape(page_client_for(ops_engineer).get(f"/cmdb/cis/{web_01.pk}/").content.decode())

    assert 'data-testid="ci-metrics-panel"' in html
    assert html.count("data-chart") == 3
    assert "This panel is unavailable" not in html


def test_a_ci_page_without_linked_series_shows_no_metrics_panel(page_client_for, ops_engineer):
    printer = make_ci("printer-7")

    html = page_client_for(ops_engineer).get(f"/cmdb/cis/{printer.pk}/").content.decode()

    assert 'data-testid="ci-metrics-panel"' not in html
