"""Pages under /ops/targets/: ops engineers only."""

import pytest

from monitoring.models import Target
from tests.factories.monitoring import make_target


def test_an_ops_engineer_sees_targets_with_their_health(page_client_for, ops_engineer):
    make_target("node-a", health="up", last_samples=671)
    make_target("node-b", health="down", last_error="connection failed: refused")

    page = page_client_for(ops_engineer).get("/ops/targets/").content.decode()

    assert "node-a" in page and "671" in page
    assert "connection failed: refused" in page
    assert "1 up" in page and "1 down" in page


def test_adding_a_target_through_the_form(page_client_for, ops_engineer):
    response = page_client_for(ops_engineer).post(
        "/ops/targets/new/",
        {
            "name": "shop health",
            "kind": "http",
            "address": "https://shop.example.com/healthz",
            "interval_seconds": 30,
            "timeout_seconds": 5,
            "labels": "env=prod\nteam=web",
            "enabled": "on",
            "http_method": "GET",
            "expected_status": "200",
            "tls_verify": "on",
        },
    )

    target = Target.objects.get(name="shop health")
    assert response.status_code == 302 and response["Location"] == f"/ops/targets/{target.pk}/"
    assert target.labels == {"env": "prod", "team": "web"}
    assert target.expected_status == 200


def test_the_form_shows_what_is_wrong(page_client_for, ops_engineer):
    response = page_client_for(ops_engineer).post(
        "/ops/targets/new/",
        {
            "name": "x",
            "kind": "tcp",
            "address": "db-01",
            "interval_seconds": 30,
            "timeout_seconds": 5,
            "http_method": "GET",
        },
    )

    assert response.status_code == 200
    assert "Give host:port for a TCP check." in response.content.decode()
    assert not Target.objects.exists()


def test_run_now_from_the_list_answers_the_row_for_htmx(page_client_for, ops_engineer):
    target = make_target("dead", address="http://127.0.0.1:9/metrics", timeout_seconds=1)

    response = page_client_for(ops_engineer).post(
        f"/ops/targets/{target.pk}/run/", {"from": "list"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert f'id="target-{target.pk}"' in response.content.decode()
    assert "Down" in response.content.decode()


@pytest.mark.parametrize("persona", ["agent", "requester", "outsider"])
def test_other_roles_are_refused(page_client_for, persona, request, db):
    target = make_target("web")
    client = page_client_for(request.getfixturevalue(persona))

    assert client.get("/ops/targets/").status_code == 403
    assert client.get(f"/ops/targets/{target.pk}/").status_code == 403
    assert client.post(f"/ops/targets/{target.pk}/delete/").status_code == 403
    assert Target.objects.exists()
