"""PUT/POST/DELETE /metrics/job/...: Pushgateway grouping semantics."""

import base64
import gzip
import time

import pytest

from monitoring.ingest import latest_values
from monitoring.models import MetricMetadata, PushGroup, Sample, Series
from monitoring.receivers.pushgateway import grouping_key
from tests.factories import make_token, make_user


@pytest.fixture
def pusher(db):
    return make_user("batch-jobs")


@pytest.fixture
def token(pusher):
    return make_token(pusher, "ingest")


def push(client, method, path, body="", token=None, **headers):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    data = body.encode() if isinstance(body, str) else body
    return client.generic(
        method, path, data=data, content_type="text/plain; version=0.0.4", **headers
    )


def live(metric, **labels):
    """Series of `metric` that are not stale, as {frozenset(labels)}."""
    found = Series.objects.filter(metric=metric, is_stale=False)
    return [s.labels for s in found if all(s.labels.get(k) == v for k, v in labels.items())]


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BACKUP = """# HELP backup_duration_seconds How long the last backup took.
# TYPE backup_duration_seconds gauge
backup_duration_seconds{db="shop"} 312.5
backup_duration_seconds{db="payments"} 101
# TYPE backup_last_success_timestamp_seconds gauge
backup_last_success_timestamp_seconds 1.7e9
"""


def test_a_put_stores_the_metrics_with_the_grouping_labels(client, token):
    response = push(client, "PUT", "/metrics/job/backup/instance/db-01", BACKUP, token)

    assert response.status_code == 200
    assert sorted(s["db"] for s in live("backup_duration_seconds")) == ["payments", "shop"]
    series = Series.objects.get(metric="backup_duration_seconds", labels__db="shop")
    assert series.labels == {"db": "shop", "instance": "db-01", "job": "backup"}
    assert Sample.objects.get(series=series).value == 312.5


def test_each_push_writes_push_time_seconds_for_its_group(client, token):
    before = time.time()
    push(client, "PUT", "/metrics/job/backup/instance/db-01", BACKUP, token)

    series = Series.objects.get(metric="push_time_seconds")
    assert series.labels == {"instance": "db-01", "job": "backup"}
    assert before - 1 <= Sample.objects.get(series=series).value <= time.time() + 1


def test_grouping_labels_override_pushed_labels_of_the_same_name(client, token):
    push(
        client,
        "PUT",
        "/metrics/job/backup/instance/db-01",
        'x{job="other",instance="i",a="b"} 1',
        token,
    )

    assert Series.objects.get(metric="x").labels == {"a": "b", "instance": "db-01", "job": "backup"}


def test_an_empty_grouping_value_removes_a_pushed_label_of_that_name(client, token):
    push(client, "PUT", "/metrics/job/backup/instance@base64/=", 'x{instance="i",a="b"} 1', token)

    assert Series.objects.get(metric="x").labels == {"a": "b", "job": "backup"}
    assert PushGroup.objects.get().grouping_labels == {"job": "backup", "instance": ""}


def test_base64_values_carry_slashes_and_unicode_in_the_grouping_key(client, token):
    path = f"/metrics/job@base64/{b64('nightly/cleanup')}/path@base64/{b64('/var/tmp')}/name@base64/{b64('Προμηθεύς')}"

    response = push(client, "POST", path, "files_removed 12\n", token)

    assert response.status_code == 200
    assert Series.objects.get(metric="files_removed").labels == {
        "job": "nightly/cleanup",
        "name": "Προμηθεύς",
        "path": "/var/tmp",
    }


def test_the_grouping_key_parser_follows_the_pushgateway_rules():
    assert grouping_key("job/a/first_label@base64/=/second_label/foobar") == {
        "job": "a",
        "first_label": "",
        "second_label": "foobar",
    }
    assert grouping_key(f"job/a/path@base64/{b64('/var/tmp')}==") == {
        "job": "a",
        "path": "/var/tmp",
    }


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/metrics/job/backup/instance", "has no value"),
        ("/metrics/job@base64/=", "job name must not be empty"),
        ("/metrics/job/backup/__name__/x", "not a valid label name"),
        ("/metrics/job/backup/bad-name/x", "not a valid label name"),
        ("/metrics/job/backup/path@base64/***", "not valid URL-safe base64"),
        ("/metrics/job/backup/a/1/a/2", "appears twice"),
    ],
)
def test_a_bad_grouping_key_is_refused_with_400(client, token, path, reason):
    response = push(client, "PUT", path, "x 1\n", token)

    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_put_replaces_every_metric_of_the_group(client, token):
    push(client, "PUT", "/metrics/job/backup", BACKUP, token)

    push(client, "PUT", "/metrics/job/backup", 'backup_duration_seconds{db="shop"} 300\n', token)

    assert live("backup_duration_seconds") == [{"db": "shop", "job": "backup"}]
    assert live("backup_last_success_timestamp_seconds") == []
    assert Series.objects.get(metric="backup_duration_seconds", labels__db="payments").is_stale


def test_post_replaces_only_the_families_it_pushes(client, token):
    push(client, "PUT", "/metrics/job/backup", BACKUP, token)

    push(client, "POST", "/metrics/job/backup", 'backup_duration_seconds{db="shop"} 300\n', token)

    assert live("backup_duration_seconds") == [{"db": "shop", "job": "backup"}]
    assert live("backup_last_success_timestamp_seconds") == [{"job": "backup"}]


def test_a_post_with_an_empty_body_only_updates_push_time_seconds(client, token):
    push(client, "PUT", "/metrics/job/backup", BACKUP, token)

    response = push(client, "POST", "/metrics/job/backup", "", token)

    assert response.status_code == 200
    assert len(live("backup_duration_seconds")) == 2
    assert Sample.objects.filter(series__metric="push_time_seconds").count() in (1, 2)


def test_a_put_with_an_empty_body_ends_the_groups_metrics_but_keeps_push_time(client, token):
    push(client, "PUT", "/metrics/job/backup", BACKUP, token)

    push(client, "PUT", "/metrics/job/backup", "", token)

    assert live("backup_duration_seconds") == []
    assert live("push_time_seconds") == [{"job": "backup"}]


def test_delete_ends_every_series_of_the_group_and_forgets_it(client, token):
    push(client, "PUT", "/metrics/job/backup/instance/db-01", BACKUP, token)
    push(client, "PUT", "/metrics/job/backup/instance/db-02", BACKUP, token)

    response = push(client, "DELETE", "/metrics/job/backup/instance/db-01", token=token)

    assert response.status_code == 202
    assert {s["instance"] for s in live("backup_duration_seconds")} == {"db-02"}
    assert live("push_time_seconds") == [{"instance": "db-02", "job": "backup"}]
    stale = Series.objects.get(metric="push_time_seconds", labels__instance="db-01")
    assert stale.is_stale
    assert latest_values([stale.id])[stale.id].stale
    assert PushGroup.objects.count() == 1


def test_deleting_an_unknown_group_is_not_an_error(client, token):
    assert push(client, "DELETE", "/metrics/job/never-pushed", token=token).status_code == 202


def test_groups_are_independent(client, token):
    push(client, "PUT", "/metrics/job/backup/instance/db-01", "x 1\n", token)

    push(client, "PUT", "/metrics/job/backup/instance/db-02", "y 1\n", token)

    assert live("x") == [{"instance": "db-01", "job": "backup"}]


def test_a_pushed_series_keeps_its_last_value_until_replaced(client, token):
    push(client, "PUT", "/metrics/job/backup", "x 7\n", token)

    series = Series.objects.get(metric="x")
    assert not series.is_stale
    assert latest_values([series.id])[series.id].value == 7.0


def test_a_timestamp_in_the_body_is_honoured(client, token):
    at = int(time.time() * 1000) - 3_600_000

    push(client, "PUT", "/metrics/job/backup", f"x 1 {at}\n", token)

    assert int(Sample.objects.get(series__metric="x").ts.timestamp() * 1000) == at


def test_histograms_and_summaries_are_stored_with_their_types(client, token):
    body = """# HELP job_duration_seconds Job run time.
# TYPE job_duration_seconds histogram
job_duration_seconds_bucket{le="1"} 2
job_duration_seconds_bucket{le="10"} 5
job_duration_seconds_bucket{le="+Inf"} 6
job_duration_seconds_sum 41.5
job_duration_seconds_count 6
# TYPE rows_seconds summary
rows_seconds{quantile="0.5"} 0.1
rows_seconds{quantile="0.99"} 0.9
rows_seconds_sum 12
rows_seconds_count 100
"""
    assert push(client, "PUT", "/metrics/job/etl", body, token).status_code == 200

    buckets = Series.objects.filter(metric="job_duration_seconds_bucket")
    assert sorted(s.labels["le"] for s in buckets) == ["+Inf", "1", "10"]
    assert buckets.first().metric_type == "histogram"
    meta = MetricMetadata.objects.get(family="job_duration_seconds")
    assert (meta.metric_type, meta.help) == ("histogram", "Job run time.")
    assert Series.objects.get(metric="rows_seconds_count").metric_type == "summary"
    assert {s.labels["quantile"] for s in Series.objects.filter(metric="rows_seconds")} == {
        "0.5",
        "0.99",
    }


def test_escaped_label_values_are_stored_unescaped(client, token):
    body = 'x{path="C:\\\\temp",msg="say \\"hi\\"",lines="a\\nb"} 1\n'

    push(client, "PUT", "/metrics/job/escapes", body, token)

    labels = Series.objects.get(metric="x").labels
    assert labels["path"] == "C:\\temp"
    assert labels["msg"] == 'say "hi"'
    assert labels["lines"] == "a\nb"


def test_a_gzip_body_is_decoded(client, token):
    response = push(
        client,
        "PUT",
        "/metrics/job/backup",
        gzip.compress(b"x 1\n"),
        token,
        HTTP_CONTENT_ENCODING="gzip",
    )

    assert response.status_code == 200
    assert Series.objects.filter(metric="x").exists()


def test_a_series_pushed_twice_in_one_body_is_refused(client, token):
    response = push(client, "PUT", "/metrics/job/backup", 'x{a="1"} 1\nx{a="1"} 2\n', token)

    assert response.status_code == 400
    assert "pushed twice" in response.json()["detail"]


def test_a_malformed_body_is_refused_naming_the_line(client, token):
    response = push(client, "PUT", "/metrics/job/backup", "ok 1\nbroken{a=1} 2\n", token)

    assert response.status_code == 400
    assert "line 2" in response.json()["detail"]
    assert not Series.objects.exists()


def test_the_protobuf_push_format_is_refused_with_415(client, token):
    response = push(
        client,
        "PUT",
        "/metrics/job/backup",
        b"\x00",
        token,
        CONTENT_TYPE="application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
    )

    assert response.status_code == 415


def test_a_push_without_a_token_is_refused_with_401(client, db):
    assert push(client, "PUT", "/metrics/job/backup", "x 1\n").status_code == 401


def test_a_token_without_the_ingest_scope_is_refused_with_403(client, pusher):
    response = push(client, "PUT", "/metrics/job/backup", "x 1\n", make_token(pusher, "read"))

    assert response.status_code == 403


def test_get_is_not_allowed_on_a_group(client, token):
    response = client.get("/metrics/job/backup", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 405
