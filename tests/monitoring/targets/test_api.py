"""/api/v1/targets/: CRUD for ops engineers and admins, reads for staff, run now, discovery."""

import pytest

from monitoring.models import CheckTemplate, Target
from tests.factories.monitoring import make_ci, make_target

URL = "/api/v1/targets/"


def new_target(**fields):
    return {"name": "web", "kind": "http", "address": "http://127.0.0.1:9/", **fields}


def test_an_ops_engineer_creates_a_target_and_it_is_scheduled(api_for, ops_engineer):
    response = api_for(ops_engineer).post(
        URL, new_target(labels={"env": "prod"}, expected_status=200), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["health"], body["source"], body["labels"]) == (
        "web",
        "unknown",
        "manual",
        {"env": "prod"},
    )
    assert Target.objects.get(name="web").next_run_at is not None


def test_invalid_targets_are_refused_with_the_field_named(api_for, ops_engineer):
    client = api_for(ops_engineer)

    bad_url = client.post(URL, new_target(address="not a url"), format="json")
    bad_tcp = client.post(URL, new_target(kind="tcp", address="db-01"), format="json")
    bad_labels = client.post(URL, new_target(labels={"job": "x"}), format="json")
    slow = client.post(URL, new_target(interval_seconds=10, timeout_seconds=20), format="json")

    assert (bad_url.status_code, bad_url.json()["field"]) == (400, "address")
    assert "host:port" in bad_tcp.json()["detail"]
    assert "set by the target itself" in bad_labels.json()["detail"]
    assert slow.json()["field"] == "timeout_seconds"


def test_targets_are_listed_with_filters(api_for, agent):
    make_target("a-scrape", health="up")
    make_target("b-check", kind="http", address="http://127.0.0.1:9/", health="down")

    down = api_for(agent).get(URL, {"health": "down"}).json()
    found = api_for(agent).get(URL, {"search": "scrape"}).json()

    assert [t["name"] for t in down["results"]] == ["b-check"]
    assert [t["name"] for t in found["results"]] == ["a-scrape"]


def test_an_ops_engineer_changes_and_deletes_a_target_with_history(api_for, ops_engineer):
    target = make_target("web")
    client = api_for(ops_engineer)

    changed = client.patch(f"{URL}{target.pk}/", {"interval_seconds": 60}, format="json")
    history = client.get(f"{URL}{target.pk}/history/").json()
    deleted = client.delete(f"{URL}{target.pk}/")

    assert changed.status_code == 200 and changed.json()["interval_seconds"] == 60
    assert history[0]["actor"] == ops_engineer.username or history[0]["changes"]
    assert deleted.status_code == 204
    assert not Target.objects.exists()


def test_run_collects_the_target_now(api_for, ops_engineer):
    target = make_target("dead", address="http://127.0.0.1:9/metrics", timeout_seconds=2)

    response = api_for(ops_engineer).post(f"{URL}{target.pk}/run/")

    assert response.status_code == 202
    body = response.json()
    assert body["queued"] is True
    # Tasks run inline in tests, so the run already happened.
    assert body["target"]["health"] == "down"
    assert "connection failed" in body["target"]["last_error"]


def test_discover_creates_targets_from_the_cmdb(api_for, ops_engineer):
    ci = make_ci("web-01", monitoring_address="web-01")
    CheckTemplate.objects.create(
        name="node", ci_class=ci.ci_class, kind="scrape", port=9100, path="/metrics"
    )

    response = api_for(ops_engineer).post(f"{URL}discover/")

    assert response.json() == {"created": 1, "updated": 0, "removed": 0, "skipped": 0}
    assert Target.objects.get().ci == ci


@pytest.mark.parametrize("persona", ["agent", "change_manager"])
def test_staff_other_than_ops_can_read_but_not_change_targets(api_for, persona, request, db):
    user = request.getfixturevalue(persona)
    target = make_target("web")
    client = api_for(user)

    assert client.get(URL).status_code == 200
    assert client.post(URL, new_target(name="mine"), format="json").status_code == 403
    assert client.patch(f"{URL}{target.pk}/", {"enabled": False}, format="json").status_code == 403
    assert client.post(f"{URL}{target.pk}/run/").status_code == 403
    assert client.delete(f"{URL}{target.pk}/").status_code == 403


def test_end_users_and_outsiders_are_refused(api_for, requester, outsider):
    make_target("web")

    assert api_for(requester).get(URL).status_code == 403
    assert api_for(outsider).get(URL).status_code == 403


def test_an_admin_may_change_targets(api_for, admin_user):
    response = api_for(admin_user).post(URL, new_target(), format="json")

    assert response.status_code == 201


def test_a_read_token_reads_and_a_write_token_changes(token_api_for, ops_engineer):
    target = make_target("web")

    assert token_api_for(ops_engineer, "read").get(URL).status_code == 200
    refused = token_api_for(ops_engineer, "read").delete(f"{URL}{target.pk}/")
    allowed = token_api_for(ops_engineer, "write").delete(f"{URL}{target.pk}/")

    assert (refused.status_code, allowed.status_code) == (403, 204)
