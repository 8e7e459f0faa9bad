"""POST /api/v1/ingest/metrics: JSON batches."""

import gzip
import json
import time

import pytest
from django.test import override_settings

from monitoring.models import Sample, Series
from tests.factories import make_token, make_user

URL = "/api/v1/ingest/metrics"


@pytest.fixture
def token(db):
    return make_token(make_user("script"), "ingest")


def post(client, payload, token, *, raw=None, **headers):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers.setdefault("content_type", "application/json")
    return client.post(URL, data=body, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def test_a_batch_is_stored_and_answered_204(client, token):
    now = time.time()
    batch = [
        {
            "metric": "room_temperature_celsius",
            "labels": {"room": "dc1-a"},
            "value": 21.5,
            "ts": now - 10,
        },
        {
            "metric": "room_temperature_celsius",
            "labels": {"room": "dc1-a"},
            "value": 21.7,
            "ts": now,
        },
        {"metric": "door_open", "value": 0},
    ]

    response = post(client, batch, token)

    assert response.status_code == 204
    assert Series.objects.count() == 2
    room = Series.objects.get(metric="room_temperature_celsius")
    assert room.labels == {"room": "dc1-a"}
    stored = list(Sample.objects.filter(series=room).order_by("ts"))
    assert [s.value for s in stored] == [21.5, 21.7]
    assert stored[1].ts.timestamp() == pytest.approx(now, abs=0.001)


def test_a_missing_ts_means_now(client, token):
    before = time.time()

    post(client, [{"metric": "door_open", "value": 1}], token)

    assert Sample.objects.get().ts.timestamp() == pytest.approx(before, abs=5)


def test_a_gzip_body_is_accepted(client, token):
    body = gzip.compress(json.dumps([{"metric": "x", "value": 1}]).encode())

    response = post(client, None, token, raw=body, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 204
    assert Sample.objects.count() == 1


def test_special_values_are_accepted_as_strings(client, token):
    post(client, [{"metric": "x", "value": "+Inf", "ts": time.time()}], token)

    assert Sample.objects.get().value == float("inf")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"value": 1}, "`metric` must be a non-empty string"),
        ({"metric": "x", "value": "high"}, "`value` must be a number"),
        ({"metric": "x", "value": True}, "`value` must be a number"),
        ({"metric": "x", "value": 1, "labels": {"bad-name": "a"}}, "invalid label name 'bad-name'"),
        ({"metric": "x", "value": 1, "labels": {"a": 1}}, "not a string"),
        ({"metric": "x", "value": 1, "labels": {"__name__": "y"}}, "__name__"),
        ({"metric": "x y", "value": 1}, "invalid metric name"),
        ({"metric": "x", "value": 1, "ts": "yesterday"}, "Unix time in seconds"),
        ({"metric": "x", "value": 1, "ts": time.time() + 3600}, "too far in the future"),
        ({"metric": "x", "value": 1, "color": "red"}, "unknown field"),
    ],
)
def test_the_first_bad_item_is_named_by_index_and_nothing_is_stored(client, token, item, message):
    batch = [{"metric": "ok", "value": 1}, {"metric": "ok", "value": 2}, item]

    response = post(client, batch, token)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("Item 2: ")
    assert message in detail
    assert Sample.objects.count() == 0


def test_a_body_that_is_not_a_json_array_is_refused(client, token):
    assert post(client, {"metric": "x", "value": 1}, token).status_code == 400
    assert post(client, None, token, raw=b"{not json").status_code == 400


def test_a_resent_batch_is_stored_once(client, token):
    batch = [{"metric": "x", "value": 1, "ts": time.time() - 5}]

    post(client, batch, token)
    response = post(client, batch, token)

    assert response.status_code == 204
    assert Sample.objects.count() == 1


@override_settings(ITOPS_INGEST_JSON_MAX_BYTES=1024)
def test_an_oversized_batch_is_refused_with_413(client, token):
    batch = [{"metric": "x", "value": i, "ts": time.time()} for i in range(100)]

    response = post(client, batch, token)

    assert response.status_code == 413
    assert Sample.objects.count() == 0


@override_settings(ITOPS_INGEST_JSON_MAX_BYTES=1024)
def test_a_gzip_bomb_is_refused_with_413(client, token):
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")

    response = post(client, None, token, raw=bomb, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 413


def test_a_token_without_ingest_scope_is_refused_with_403(client, db):
    read_only = make_token(make_user("reader"), "read")

    assert post(client, [{"metric": "x", "value": 1}], read_only).status_code == 403


def test_an_xml_body_is_refused_with_415(client, token):
    response = post(client, None, token, raw=b"<x/>", content_type="application/xml")

    assert response.status_code == 415
