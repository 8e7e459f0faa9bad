"""GET /metrics: the platform's own metrics in Prometheus text format."""

import json
import time

import pytest

from tests.factories import make_token, make_user
from tests.factories.monitoring import REMOTE_WRITE_HEADERS, now_ms, remote_write_body


@pytest.fixture
def ingest_token(db):
    return make_token(make_user("prometheus"), "ingest")


def test_metrics_count_accepted_and_rejected_samples_per_receiver(client, ingest_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ingest_token}"}
    body = remote_write_body(
        [({"__name__": "up", "job": "a"}, [(now_ms() - 1000, 1.0), (now_ms() - 500, 1.0)])]
    )
    client.post("/api/v1/write", data=body, **REMOTE_WRITE_HEADERS, **auth)
    client.post("/api/v1/write", data=body, **REMOTE_WRITE_HEADERS, **auth)
    client.post(
        "/api/v1/ingest/metrics",
        data=json.dumps([{"metric": "x", "value": 1, "ts": time.time()}]),
        content_type="application/json",
        **auth,
    )
    client.post("/api/v1/write", data=b"garbage", **REMOTE_WRITE_HEADERS, **auth)

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "# TYPE itops_ingest_samples_total counter" in text
    assert 'itops_ingest_samples_total{receiver="remote_write",outcome="accepted"} 2' in text
    assert 'itops_ingest_samples_total{receiver="remote_write",outcome="duplicate"} 2' in text
    assert 'itops_ingest_samples_total{receiver="json",outcome="accepted"} 1' in text
    assert 'itops_ingest_requests_total{receiver="remote_write",code="204"} 2' in text
    assert 'itops_ingest_requests_total{receiver="remote_write",code="400"} 1' in text
    assert "# TYPE itops_ingest_request_duration_seconds histogram" in text
    assert 'itops_ingest_request_duration_seconds_count{receiver="remote_write"} 3' in text
    assert (
        'itops_ingest_request_duration_seconds_bucket{receiver="remote_write",le="+Inf"} 3' in text
    )
    assert 'itops_metric_series{state="live"} 2' in text


def test_metrics_from_another_machine_need_a_token(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 401


def test_metrics_through_a_proxy_on_this_machine_need_a_token(client, db):
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 401


def test_metrics_with_a_read_token_from_another_machine_are_served(client, db):
    token = make_token(make_user("grafana"), "read")

    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 200


def test_metrics_with_a_revoked_token_are_refused(client, db):
    from itops.models import ApiToken
    from itops.services import revoke_api_token

    user = make_user("former")
    token = make_token(user, "read")
    revoke_api_token(token=ApiToken.objects.get(user=user), by=user)

    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 401
