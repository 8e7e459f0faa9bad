"""Scrapes, HTTP checks and TCP checks against real local servers."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from monitoring.ingest import latest_values
from monitoring.models import MetricMetadata, Sample, Series, Target
from monitoring.targets.runner import run_target
from tests.factories.monitoring import make_target
from tests.monitoring.targets.servers import closed_port

NODE = (Path(__file__).parent.parent / "fixtures" / "node_exporter.prom").read_text()
SMALL = """# HELP app_requests_total Requests served.
# TYPE app_requests_total counter
app_requests_total{code="200"} 1027
app_requests_total{code="500"} 3
# TYPE app_temperature_celsius gauge
app_temperature_celsius 21.5
"""


def latest(metric, **labels):
    """The latest value of the one live series of `metric` with `labels`."""
    found = [
        s
        for s in Series.objects.filter(metric=metric)
        if all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, f"{metric}{labels}: {[s.labels for s in found]}"
    value = latest_values([found[0].id]).get(found[0].id)
    return None if value is None else value.value


def test_a_scrape_stores_the_exposed_series_with_job_and_instance(local_server, db):
    url = local_server.serve("/metrics", SMALL)
    target = make_target("app", address=url, job="app", labels={"env": "test"})

    result = run_target(target_id=target.id)

    assert result.success
    series = Series.objects.get(metric="app_requests_total", labels__code="500")
    assert series.labels == {
        "code": "500",
        "env": "test",
        "instance": f"127.0.0.1:{local_server.port}",
        "job": "app",
    }
    assert Sample.objects.get(series=series).value == 3
    assert latest("app_temperature_celsius") == 21.5
    assert MetricMetadata.objects.get(family="app_requests_total").metric_type == "counter"


def test_a_scrape_writes_up_duration_and_samples_scraped(local_server, db):
    target = make_target("node", address=local_server.serve("/metrics", NODE), job="node")

    run_target(target_id=target.id)

    assert latest("up", job="node") == 1.0
    assert latest("scrape_samples_scraped", job="node") == 671
    assert latest("scrape_duration_seconds", job="node") > 0
    target.refresh_from_db()
    assert (target.health, target.last_samples, target.last_error) == ("up", 671, "")
    assert target.last_run_at is not None and target.last_duration_seconds > 0


def test_the_scraper_asks_for_the_text_format_and_says_its_timeout(local_server, db):
    target = make_target(address=local_server.serve("/metrics", SMALL), timeout_seconds=4)

    run_target(target_id=target.id)

    _method, _path, headers = local_server.requests[0]
    assert "text/plain;version=0.0.4" in headers["Accept"]
    assert headers["X-Prometheus-Scrape-Timeout-Seconds"] == "4"


def test_scraped_labels_named_like_target_labels_are_kept_as_exported(local_server, db):
    url = local_server.serve("/metrics", 'pushed{job="batch",instance="x"} 1\n')
    target = make_target(address=url, job="pushgw")

    run_target(target_id=target.id)

    labels = Series.objects.get(metric="pushed").labels
    assert labels["job"] == "pushgw"
    assert labels["exported_job"] == "batch"
    assert labels["exported_instance"] == "x"


def test_a_dead_target_gives_up_zero_and_an_error_instead_of_an_exception(db):
    target = make_target("dead", address=f"http://127.0.0.1:{closed_port()}/metrics", job="dead")

    result = run_target(target_id=target.id)

    assert not result.success
    assert latest("up", job="dead") == 0.0
    assert latest("scrape_samples_scraped", job="dead") == 0
    target.refresh_from_db()
    assert target.health == "down"
    assert "connection failed" in target.last_error


def test_a_server_error_or_garbage_answer_is_a_failed_scrape(local_server, db):
    failing = make_target("failing", address=local_server.serve("/a", "oops", status=500))
    garbage = make_target("garbage", address=local_server.serve("/b", "<html>hello</html>"))

    run_target(target_id=failing.id)
    run_target(target_id=garbage.id)

    failing.refresh_from_db()
    garbage.refresh_from_db()
    assert failing.last_error == "the server answered HTTP 500"
    assert "not Prometheus text format: line 1" in garbage.last_error
    assert {failing.health, garbage.health} == {"down"}


def test_a_slow_target_times_out_with_an_error(local_server, db):
    url = local_server.serve("/metrics", SMALL, delay_seconds=3)
    target = make_target(address=url, timeout_seconds=0.5)

    result = run_target(target_id=target.id)

    assert not result.success
    assert "timed out" in result.error


def test_series_that_disappear_from_a_scrape_are_marked_stale(local_server, db):
    url = local_server.serve("/metrics", 'jobs{queue="a"} 1\njobs{queue="b"} 2\n')
    target = make_target(address=url)
    run_target(target_id=target.id)

    local_server.serve("/metrics", 'jobs{queue="a"} 5\n')
    run_target(target_id=target.id)

    assert not Series.objects.get(metric="jobs", labels__queue="a").is_stale
    gone = Series.objects.get(metric="jobs", labels__queue="b")
    assert gone.is_stale
    assert latest_values([gone.id])[gone.id].stale


def test_when_a_target_goes_down_its_scraped_series_go_stale_but_up_stays(local_server, db):
    url = local_server.serve("/metrics", "jobs 1\n")
    target = make_target(address=url, job="worker")
    run_target(target_id=target.id)

    local_server.serve("/metrics", "", status=503)
    run_target(target_id=target.id)

    assert Series.objects.get(metric="jobs").is_stale
    assert latest("up", job="worker") == 0.0


def test_an_http_check_with_expected_status_and_body_match_succeeds(local_server, db):
    url = local_server.serve("/healthz", '{"status": "ok"}', content_type="application/json")
    target = make_target(
        "health", kind="http", address=url, expected_status=200, body_match='"ok"', job="web"
    )

    result = run_target(target_id=target.id)

    assert result.success, result.error
    assert latest("probe_success", job="web") == 1.0
    assert latest("probe_http_status_code", job="web") == 200
    assert latest("probe_duration_seconds", job="web") > 0
    assert latest("probe_failed_due_to_regex", job="web") == 0
    assert Series.objects.get(metric="probe_success").labels["instance"] == url


def test_an_http_check_fails_on_an_unexpected_status(local_server, db):
    url = local_server.serve("/healthz", "maintenance", status=503)
    target = make_target(kind="http", address=url, job="web")

    run_target(target_id=target.id)

    target.refresh_from_db()
    assert target.health == "down"
    assert target.last_error == "expected a 2xx answer, got HTTP 503"
    assert target.last_status_code == 503
    assert latest("probe_success", job="web") == 0.0


def test_an_http_check_can_expect_a_non_2xx_status(local_server, db):
    url = local_server.serve("/old", "", status=410)
    target = make_target(kind="http", address=url, expected_status=410)

    assert run_target(target_id=target.id).success


def test_an_http_check_fails_when_the_body_does_not_match_the_regex(local_server, db):
    url = local_server.serve("/version", "version: 2.31.4")
    ok = make_target(
        "ok", kind="http", address=url, body_match=r"version: 2\.\d+", body_match_regex=True
    )
    old = make_target(
        "old",
        kind="http",
        address=url,
        body_match=r"version: 3\.",
        body_match_regex=True,
        job="old",
    )

    assert run_target(target_id=ok.id).success
    result = run_target(target_id=old.id)

    assert result.error == "the body does not match 'version: 3\\\\.'"
    assert latest("probe_failed_due_to_regex", job="old") == 1.0


def test_an_http_check_uses_its_method(local_server, db):
    url = local_server.serve("/hook", "accepted")
    target = make_target(kind="http", address=url, http_method="POST")

    run_target(target_id=target.id)

    assert local_server.requests[0][0] == "POST"


def test_an_https_check_measures_days_until_the_certificate_expires(tls_server, db):
    url = tls_server.serve("/", "hello")
    target = make_target(kind="http", address=url, tls_verify=False, job="tls")

    result = run_target(target_id=target.id)

    assert result.success, result.error
    target.refresh_from_db()
    expected = timezone.now() + timedelta(days=30)
    assert abs((target.cert_expires_at - expected).total_seconds()) < 3600
    assert abs(latest("probe_ssl_earliest_cert_expiry", job="tls") - expected.timestamp()) < 3600
    assert 29 < latest("probe_ssl_days_until_expiry", job="tls") <= 30
    assert latest("probe_http_ssl", job="tls") == 1.0


def test_an_https_check_with_verification_refuses_a_self_signed_certificate(tls_server, db):
    target = make_target(kind="http", address=tls_server.serve("/", "hello"), tls_verify=True)

    result = run_target(target_id=target.id)

    assert not result.success
    assert "certificate" in result.error.lower()


def test_a_tcp_check_connects_and_measures_latency(listening_port, db):
    target = make_target(kind="tcp", address=f"127.0.0.1:{listening_port}", job="tcp")

    result = run_target(target_id=target.id)

    assert result.success
    assert latest("probe_success", job="tcp") == 1.0
    assert latest("probe_duration_seconds", job="tcp") >= 0
    assert (
        Series.objects.get(metric="probe_success").labels["instance"]
        == f"127.0.0.1:{listening_port}"
    )


def test_a_tcp_check_of_a_closed_port_fails_with_the_reason(db):
    target = make_target(kind="tcp", address=f"127.0.0.1:{closed_port()}", job="tcp")

    run_target(target_id=target.id)

    target.refresh_from_db()
    assert target.health == "down"
    assert "connection failed" in target.last_error
    assert latest("probe_success", job="tcp") == 0.0


def test_a_collector_bug_is_recorded_on_the_target_not_raised(db, monkeypatch):
    from monitoring.targets import collectors

    def broken(target, started_ms):
        raise RuntimeError("unexpected")

    monkeypatch.setitem(collectors.COLLECTORS, "scrape", broken)
    target = make_target(job="buggy")

    result = run_target(target_id=target.id)

    assert not result.success
    assert "RuntimeError: unexpected" in Target.objects.get(pk=target.pk).last_error
    assert latest("up", job="buggy") == 0.0


def test_a_deleted_target_is_skipped(db):
    assert run_target(target_id=999_999) is None


def test_runs_do_not_fill_the_audit_history(local_server, db):
    from itops.audit import history_for

    target = make_target(address=local_server.serve("/metrics", SMALL))
    before = history_for(target).count()

    run_target(target_id=target.id)
    run_target(target_id=target.id)

    assert history_for(target).count() == before


@pytest.mark.worker
def test_a_real_worker_scrapes_a_live_server_after_the_dispatcher_claims_it(
    local_server, celery_worker
):
    from monitoring.targets.schedule import dispatch_due_targets
    from tests.conftest import wait_for

    url = local_server.serve("/metrics", SMALL)
    target = make_target("live", address=url, job="live", next_run_at=timezone.now())

    assert dispatch_due_targets() == 1

    wait_for(
        lambda: Target.objects.get(pk=target.pk).health == "up",
        timeout=30,
        message="the worker did not scrape the target",
    )
    assert latest("up", job="live") == 1.0
    assert latest("app_temperature_celsius", job="live") == 21.5
    assert time.time() - Target.objects.get(pk=target.pk).last_run_at.timestamp() < 60
