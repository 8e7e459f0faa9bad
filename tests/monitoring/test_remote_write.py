"""POST /api/v1/write: Prometheus remote_write 1.0, with bodies built like Prometheus builds
them (protobuf WriteRequest, snappy block compression)."""

import math
import struct

import cramjam
import pytest
from django.test import override_settings

from monitoring.ingest import STALE_NAN, latest_values
from monitoring.models import MetricMetadata, Sample, Series
from tests.factories import make_token, make_user
from tests.factories.monitoring import (
    REMOTE_WRITE_HEADERS,
    now_ms,
    remote_write_body,
    write_request,
)

URL = "/api/v1/write"


@pytest.fixture
def sender(db):
    return make_user("prometheus")


@pytest.fixture
def ingest_token(sender):
    return make_token(sender, "ingest")


def post(client, body, token, **headers):
    sent = {**REMOTE_WRITE_HEADERS, **headers}
    if token is not None:
        sent.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    return client.post(URL, data=body, **sent)


def node_series(count=3, *, at=None, samples=2):
    at = at or now_ms() - 60_000
    return [
        (
            {
                "__name__": "node_cpu_seconds_total",
                "instance": f"web-{i:02d}:9100",
                "job": "node",
                "mode": "idle",
            },
            [(at + step * 15_000, float(i * 100 + step)) for step in range(samples)],
        )
        for i in range(count)
    ]


def test_valid_write_is_stored_and_answered_204(client, ingest_token):
    response = post(client, remote_write_body(node_series(3)), ingest_token)

    assert response.status_code == 204
    assert Series.objects.count() == 3
    assert Sample.objects.count() == 6
    series = Series.objects.get(labels__instance="web-01:9100")
    assert series.metric == "node_cpu_seconds_total"
    assert series.labels == {"instance": "web-01:9100", "job": "node", "mode": "idle"}
    assert sorted(Sample.objects.filter(series=series).values_list("value", flat=True)) == [
        100.0,
        101.0,
    ]


def test_basic_auth_with_the_token_as_password_is_accepted(client, ingest_token):
    import base64

    credentials = base64.b64encode(f"prometheus:{ingest_token}".encode()).decode()
    response = post(
        client, remote_write_body(node_series(1)), None, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )

    assert response.status_code == 204
    assert Sample.objects.count() == 2


def test_a_resent_write_is_stored_once(client, ingest_token):
    body = remote_write_body(node_series(2, samples=3))

    first = post(client, body, ingest_token)
    second = post(client, body, ingest_token)

    assert (first.status_code, second.status_code) == (204, 204)
    assert Sample.objects.count() == 6


def test_a_partly_resent_write_stores_only_the_new_samples(client, ingest_token):
    at = now_ms() - 120_000
    post(client, remote_write_body(node_series(2, at=at, samples=2)), ingest_token)

    response = post(client, remote_write_body(node_series(2, at=at, samples=4)), ingest_token)

    assert response.status_code == 204
    assert Sample.objects.count() == 8


def test_corrupt_snappy_is_refused_with_400_and_a_readable_reason(client, ingest_token):
    body = remote_write_body(node_series(3))
    truncated = body[: len(body) // 2]

    response = post(client, truncated, ingest_token)

    assert response.status_code == 400
    assert "snappy" in response.json()["detail"]
    assert Sample.objects.count() == 0


def test_snappy_framed_format_is_refused_with_400(client, ingest_token):
    raw = write_request(node_series(1)).SerializeToString()
    framed = bytes(cramjam.snappy.compress(raw))

    response = post(client, framed, ingest_token)

    assert response.status_code == 400


def test_a_body_that_is_not_protobuf_is_refused_with_400(client, ingest_token):
    body = bytes(cramjam.snappy.compress_raw(b"\xff\xff\xff not protobuf at all"))

    response = post(client, body, ingest_token)

    assert response.status_code == 400
    assert "WriteRequest" in response.json()["detail"]


def test_wrong_content_type_is_refused_with_415(client, ingest_token):
    response = post(
        client, remote_write_body(node_series(1)), ingest_token, content_type="application/json"
    )

    assert response.status_code == 415
    assert Sample.objects.count() == 0


def test_remote_write_2_content_type_is_refused_with_415(client, ingest_token):
    response = post(
        client,
        remote_write_body(node_series(1)),
        ingest_token,
        content_type="application/x-protobuf;proto=io.prometheus.write.v2.Request",
    )

    assert response.status_code == 415


def test_wrong_content_encoding_is_refused_with_415(client, ingest_token):
    response = post(
        client, remote_write_body(node_series(1)), ingest_token, HTTP_CONTENT_ENCODING="gzip"
    )

    assert response.status_code == 415


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        ({"__name__": "up", "bad-name": "x"}, "invalid label name 'bad-name'"),
        ({"__name__": "up", "0digit": "x"}, "invalid label name '0digit'"),
        ({"job": "node"}, "__name__"),
        ({"__name__": "9lives"}, "invalid metric name"),
    ],
)
def test_bad_labels_are_refused_with_400_naming_the_problem(client, ingest_token, labels, reason):
    good = node_series(1)
    body = remote_write_body([*good, (labels, [(now_ms(), 1.0)])])

    response = post(client, body, ingest_token)

    assert response.status_code == 400
    assert reason in response.json()["detail"]
    # The valid series of the same request is kept: the sender will not resend it.
    assert Sample.objects.count() == 2
    assert not Series.objects.filter(labels__has_key="bad-name").exists()


def test_duplicate_label_names_are_refused_with_400(client, ingest_token):
    request = write_request([])
    series = request.timeseries.add()
    series.labels.add(name="__name__", value="up")
    series.labels.add(name="job", value="a")
    series.labels.add(name="job", value="b")
    series.samples.add(timestamp=now_ms(), value=1.0)
    body = bytes(cramjam.snappy.compress_raw(request.SerializeToString()))

    response = post(client, body, ingest_token)

    assert response.status_code == 400
    assert "duplicate label name 'job'" in response.json()["detail"]
    assert Sample.objects.count() == 0


def test_samples_too_far_in_the_future_are_refused_and_counted(client, ingest_token):
    future = now_ms() + 11 * 60_000
    body = remote_write_body(
        [({"__name__": "up", "job": "a"}, [(now_ms() - 1000, 1.0), (future, 1.0)])]
    )

    response = post(client, body, ingest_token)

    assert response.status_code == 400
    assert "1 samples stored" in response.json()["detail"]
    assert "1 refused (1 future)" in response.json()["detail"]
    assert Sample.objects.count() == 1
    metrics = client.get("/metrics").content.decode()
    assert (
        'itops_ingest_samples_rejected_total{receiver="remote_write",reason="future"} 1' in metrics
    )


def test_samples_a_little_ahead_of_the_clock_are_accepted(client, ingest_token):
    body = remote_write_body([({"__name__": "up", "job": "a"}, [(now_ms() + 5 * 60_000, 1.0)])])

    assert post(client, body, ingest_token).status_code == 204
    assert Sample.objects.count() == 1


def test_a_stale_marker_ends_the_series_instead_of_being_stored(client, ingest_token):
    at = now_ms() - 30_000
    labels = {"__name__": "up", "instance": "web-01:9100", "job": "node"}
    post(client, remote_write_body([(labels, [(at, 1.0)])]), ingest_token)

    response = post(client, remote_write_body([(labels, [(at + 15_000, STALE_NAN)])]), ingest_token)

    assert response.status_code == 204
    series = Series.objects.get()
    assert series.is_stale
    assert series.stale_at.timestamp() * 1000 == pytest.approx(at + 15_000)
    assert Sample.objects.count() == 1
    assert latest_values([series.id])[series.id].stale


def test_samples_after_a_stale_marker_revive_the_series(client, ingest_token):
    at = now_ms() - 30_000
    labels = {"__name__": "up", "job": "node"}
    post(client, remote_write_body([(labels, [(at, STALE_NAN)])]), ingest_token)

    post(client, remote_write_body([(labels, [(at + 15_000, 1.0)])]), ingest_token)

    series = Series.objects.get()
    assert not series.is_stale
    assert series.stale_at is None
    assert latest_values([series.id])[series.id] == (at + 15_000, 1.0, False)


def test_an_ordinary_nan_is_stored_as_a_value(client, ingest_token):
    other_nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
    body = remote_write_body([({"__name__": "ratio", "job": "a"}, [(now_ms() - 1000, other_nan)])])

    response = post(client, body, ingest_token)

    assert response.status_code == 204
    sample = Sample.objects.get()
    assert sample.value is None or math.isnan(sample.value)  # SQLite cannot hold NaN: NULL
    assert not Series.objects.get().is_stale


def test_metadata_is_stored_and_copied_onto_its_series(client, ingest_token):
    body = remote_write_body(
        node_series(1),
        metadata=[
            ("node_cpu_seconds_total", "COUNTER", "Seconds the CPUs spent in each mode.", "seconds")
        ],
    )

    assert post(client, body, ingest_token).status_code == 204

    meta = MetricMetadata.objects.get(family="node_cpu_seconds_total")
    assert (meta.metric_type, meta.unit) == ("counter", "seconds")
    series = Series.objects.get()
    assert series.metric_type == "counter"
    assert series.help == "Seconds the CPUs spent in each mode."


def test_new_series_take_metadata_sent_earlier(client, ingest_token):
    post(
        client,
        remote_write_body(
            [], metadata=[("http_request_duration_seconds", "HISTOGRAM", "Latency.", "")]
        ),
        ingest_token,
    )

    post(
        client,
        remote_write_body(
            [({"__name__": "http_request_duration_seconds_bucket", "le": "0.1"}, [(now_ms(), 3.0)])]
        ),
        ingest_token,
    )

    assert Series.objects.get().metric_type == "histogram"


@override_settings(ITOPS_REMOTE_WRITE_MAX_BYTES=2048)
def test_an_oversized_body_is_refused_with_413(client, ingest_token):
    body = remote_write_body(node_series(200))
    assert len(body) > 2048

    response = post(client, body, ingest_token)

    assert response.status_code == 413
    assert "2048" in response.json()["detail"]
    assert Sample.objects.count() == 0


@override_settings(ITOPS_REMOTE_WRITE_MAX_DECODED_BYTES=4096)
def test_a_decompression_bomb_is_refused_with_413_before_decompressing(client, ingest_token):
    bomb = bytes(cramjam.snappy.compress_raw(b"\x00" * 10_000_000))
    assert len(bomb) < 600_000

    response = post(client, bomb, ingest_token)

    assert response.status_code == 413
    assert "decompressed" in response.json()["detail"]


def test_a_missing_token_is_refused_with_401(client, db):
    response = post(client, remote_write_body(node_series(1)), None)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_with_401(client, db):
    response = post(client, remote_write_body(node_series(1)), "itops_not-a-real-token")

    assert response.status_code == 401
    assert Sample.objects.count() == 0


def test_a_token_without_the_ingest_scope_is_refused_with_403(client, sender):
    token = make_token(sender, "read", "write")

    response = post(client, remote_write_body(node_series(1)), token)

    assert response.status_code == 403
    assert "ingest" in response.json()["detail"]
    assert Sample.objects.count() == 0


def test_get_is_not_allowed(client, ingest_token):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {ingest_token}")

    assert response.status_code == 405


def test_zero_values_which_protobuf_leaves_out_are_stored_as_zero(client, ingest_token):
    at = now_ms() - 60_000
    labels = {"__name__": "node_filesystem_readonly", "job": "node"}
    body = remote_write_body([(labels, [(at, 0.0), (at + 15_000, 1.5), (at + 30_000, -0.0)])])

    assert post(client, body, ingest_token).status_code == 204

    assert list(Sample.objects.order_by("ts").values_list("value", flat=True)) == [0.0, 1.5, 0.0]


@pytest.mark.parametrize(
    "samples",
    [
        [(1_700_000_000_000, 1.0), (1_700_000_015_000, 0.0), (1_700_000_030_000, -2.5)],
        [(0, 1.0), (5, 2.0)],  # timestamps too small for the regular 16-byte layout
        [(2**45, 3.0)],  # and too large
        [(1_700_000_000_000, math.inf), (1_700_000_001_000, STALE_NAN)],
    ],
)
def test_the_bulk_decoder_and_the_sample_by_sample_decoder_agree(samples):
    from monitoring.receivers import remote_write

    body = remote_write_body(
        [({"__name__": "a", "x": "1"}, samples), ({"__name__": "b"}, [(1_700_000_000_000, 7.0)])]
    )

    decoded = remote_write.decode(body, max_decoded_bytes=1 << 20).columns

    expected = [*samples, (1_700_000_000_000, 7.0)]
    assert decoded.counts == [len(samples), 1]
    assert decoded.labels == [(("__name__", "a"), ("x", "1")), (("__name__", "b"),)]
    assert list(decoded.timestamps) == [ts for ts, _value in expected]
    got = [struct.pack("<d", value) for value in decoded.values]
    assert got == [struct.pack("<d", value) for _ts, value in expected]
