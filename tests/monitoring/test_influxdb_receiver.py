"""POST /api/v2/write and POST /write: line protocol as Telegraf sends it."""

import base64
import gzip
import time

import pytest
from django.test import override_settings

from monitoring.ingest import stats
from monitoring.models import Sample, Series
from tests.factories import make_token, make_user

V2 = "/api/v2/write"
V1 = "/write"


@pytest.fixture
def telegraf(db):
    return make_user("telegraf")


@pytest.fixture
def ingest_token(telegraf):
    return make_token(telegraf, "ingest")


def seconds_ago(seconds=60) -> int:
    return int(time.time()) - seconds


def telegraf_batch(at: int) -> str:
    """What Telegraf's cpu, mem and disk inputs produce, in seconds precision."""
    return (
        f"cpu,cpu=cpu-total,host=web-01 usage_idle=97.5,usage_system=1.1,usage_user=1.4 {at}\n"
        f"mem,host=web-01 available=8123456512i,used_percent=48.2,total=16777216000i {at}\n"
        f"disk,device=nvme0n1p2,fstype=ext4,host=web-01,mode=rw,path=/ free=1.2e11,used=9.1e10,"
        f'used_percent=43.1 {at}\nsystem,host=web-01 uptime_format=" 3 days, 22:14",load1=0.5 {at}\n'
    )


def post(client, url, body, *, token=None, scheme="Token", query="precision=s", **headers):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"{scheme} {token}")
    data = body.encode() if isinstance(body, str) else body
    return client.generic(
        "POST",
        f"{url}?{query}",
        data=data,
        content_type="text/plain; charset=utf-8",
        **headers,
    )


def stored(metric):
    series = Series.objects.get(metric=metric)
    return series, list(Sample.objects.filter(series=series).values_list("value", flat=True))


def test_telegrafs_v2_write_with_a_token_header_is_stored_and_answered_204(client, ingest_token):
    at = seconds_ago()
    response = post(
        client,
        V2,
        telegraf_batch(at),
        token=ingest_token,
        query="org=ops&bucket=telegraf&precision=s",
    )

    assert response.status_code == 204
    series, values = stored("cpu_usage_idle")
    assert series.labels == {"cpu": "cpu-total", "host": "web-01"}
    assert values == [97.5]
    assert stored("mem_available")[1] == [8123456512.0]
    assert stored("disk_used_percent")[0].labels["path"] == "/"
    assert Sample.objects.get(series=series).ts.timestamp() == at


def test_the_v2_precision_defaults_to_nanoseconds(client, ingest_token):
    at = seconds_ago()
    response = post(client, V2, f"m value=1 {at * 1_000_000_000}\n", token=ingest_token, query="")

    assert response.status_code == 204
    assert Sample.objects.get().ts.timestamp() == at


def test_bearer_and_basic_auth_work_as_on_every_receiver(client, ingest_token):
    basic = base64.b64encode(f"telegraf:{ingest_token}".encode()).decode()

    assert post(client, V2, "a value=1\n", token=ingest_token, scheme="Bearer").status_code == 204
    assert post(client, V2, "b value=1\n", token=basic, scheme="Basic").status_code == 204
    assert set(Series.objects.values_list("metric", flat=True)) == {"a", "b"}


def test_the_v1_endpoint_takes_the_token_as_the_p_query_parameter(client, ingest_token):
    response = post(
        client, V1, "m value=1\n", query=f"db=telegraf&u=telegraf&p={ingest_token}&precision=s"
    )

    assert response.status_code == 204
    assert Series.objects.get().metric == "m"


def test_the_v1_endpoint_accepts_its_short_precision_names(client, ingest_token):
    at = seconds_ago()
    response = post(
        client, V1, f"m value=1 {at * 1_000_000}\n", token=ingest_token, query="precision=u"
    )

    assert response.status_code == 204
    assert Sample.objects.get().ts.timestamp() == at


def test_a_gzip_body_is_decoded(client, ingest_token):
    body = gzip.compress(telegraf_batch(seconds_ago()).encode())

    response = post(client, V2, body, token=ingest_token, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 204
    assert Series.objects.filter(metric__startswith="cpu_").count() == 3


def test_string_fields_are_skipped_counted_and_never_fail_the_request(client, ingest_token):
    response = post(client, V2, telegraf_batch(seconds_ago()), token=ingest_token)

    assert response.status_code == 204
    assert response["X-Itops-String-Fields-Skipped"] == "1"
    assert not Series.objects.filter(metric="system_uptime_format").exists()
    assert Series.objects.filter(metric="system_load1").exists()
    counters = stats.read_counters()
    assert counters['itops_ingest_string_fields_skipped_total{receiver="influxdb_v2"}'] == 1
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'itops_ingest_string_fields_skipped_total{receiver="influxdb_v2"} 1' in metrics


def test_a_bad_line_is_refused_with_400_naming_it_and_nothing_is_stored(client, ingest_token):
    at = seconds_ago()
    body = f"cpu,host=a idle=1 {at}\ncpu,host=b idle=oops {at}\ncpu,host=c idle=3 {at}\n"

    response = post(client, V2, body, token=ingest_token)

    assert response.status_code == 400
    answer = response.json()
    assert answer["line"] == 2
    assert "line 2" in answer["message"] and "invalid value 'oops'" in answer["message"]
    assert answer["error"] == answer["message"] == answer["detail"]
    assert Series.objects.count() == 0


def test_an_unknown_precision_is_refused_with_400(client, ingest_token):
    response = post(client, V2, "m value=1 1\n", token=ingest_token, query="precision=m")

    assert response.status_code == 400
    assert "precision must be one of ns, us, ms, s" in response.json()["message"]


@override_settings(ITOPS_LINE_PROTOCOL_MAX_BYTES=2048)
def test_a_body_over_the_limit_is_refused_with_413(client, ingest_token):
    response = post(client, V2, "m value=1\n" * 1000, token=ingest_token)

    assert response.status_code == 413
    assert "2048 bytes" in response.json()["message"]
    assert Series.objects.count() == 0


@override_settings(ITOPS_LINE_PROTOCOL_MAX_BYTES=2048)
def test_a_gzip_body_that_inflates_past_the_limit_is_refused_with_413(client, ingest_token):
    body = gzip.compress(b"m value=1\n" * 10_000)

    response = post(client, V2, body, token=ingest_token, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 413


def test_samples_too_far_ahead_are_refused_with_400(client, ingest_token):
    response = post(client, V2, f"m value=1 {int(time.time()) + 86_400}\n", token=ingest_token)

    assert response.status_code == 400
    assert "future" in response.json()["message"]


def test_a_missing_token_is_refused_with_401(client, db):
    response = post(client, V2, "m value=1\n")

    assert response.status_code == 401
    assert Series.objects.count() == 0


def test_a_wrong_token_is_refused_with_401(client, db):
    response = post(client, V2, "m value=1\n", token="not-a-token")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_token_without_the_ingest_scope_is_refused_with_403(client, telegraf):
    response = post(client, V2, "m value=1\n", token=make_token(telegraf, "read"))

    assert response.status_code == 403
    assert "ingest" in response.json()["message"]


def test_requests_are_counted_on_the_platform_metrics(client, ingest_token):
    post(client, V2, "m value=1\n", token=ingest_token)
    post(client, V1, "m value=oops\n", token=ingest_token)

    counters = stats.read_counters()
    assert counters['itops_ingest_requests_total{receiver="influxdb_v2",code="204"}'] == 1
    assert counters['itops_ingest_requests_total{receiver="influxdb_v1",code="400"}'] == 1
    assert counters['itops_ingest_samples_total{receiver="influxdb_v2",outcome="accepted"}'] == 1
