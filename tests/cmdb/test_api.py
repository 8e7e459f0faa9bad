import pytest
from auditlog.models import LogEntry

from cmdb.models import ConfigurationItem, Relationship
from tests.factories.cmdb import SERVER_SCHEMA, make_ci, make_ci_class, make_service, needs, relate

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_class():
    return make_ci_class("test-server", name="Test server", attribute_schema=SERVER_SCHEMA)


def new_ci(**fields):
    return {"name": "web-01", "ci_class": "test-server", "environment": "production", **fields}


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cis/",
        "/api/v1/services/",
        "/api/v1/relationships/",
        "/api/v1/ci-classes/",
        "/api/v1/locations/",
    ],
)
def test_end_users_are_refused_every_cmdb_resource(path, requester, api_for):
    response = api_for(requester).get(path)

    assert response.status_code == 403
    assert "detail" in response.json()


def test_end_users_guessing_ids_get_the_same_403_for_existing_and_missing_cis(requester, api_for):
    ci = make_ci("web-01")
    client = api_for(requester)

    existing = client.get(f"/api/v1/cis/{ci.pk}/")
    missing = client.get(f"/api/v1/cis/{ci.pk + 1000}/")
    impact = client.get(f"/api/v1/cis/{ci.pk}/impact/")

    assert existing.status_code == missing.status_code == impact.status_code == 403
    assert "web-01" not in existing.content.decode()


def test_agents_read_but_cannot_write(agent, api_for, server_class):
    ci = make_ci("web-01", ci_class=server_class)
    client = api_for(agent)

    assert client.get(f"/api/v1/cis/{ci.pk}/").status_code == 200
    assert client.post("/api/v1/cis/", new_ci(name="web-02"), format="json").status_code == 403
    assert (
        client.patch(f"/api/v1/cis/{ci.pk}/", {"status": "maintenance"}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/v1/cis/{ci.pk}/").status_code == 403
    assert ConfigurationItem.objects.get(pk=ci.pk).status == "operational"


def test_a_read_only_token_cannot_write_even_for_an_ops_engineer(
    ops_engineer, token_api_for, server_class
):
    response = token_api_for(ops_engineer, "read").post("/api/v1/cis/", new_ci(), format="json")

    assert response.status_code == 403
    assert "write" in response.json()["detail"]


def test_ops_engineers_create_update_and_retire_cis_with_history(
    ops_engineer, api_for, server_class
):
    client = api_for(ops_engineer)

    created = client.post(
        "/api/v1/cis/", new_ci(attributes={"cpu_cores": 8}, owner_team=None), format="json"
    )
    ci_id = created.json()["id"]
    updated = client.patch(f"/api/v1/cis/{ci_id}/", {"criticality": 1}, format="json")
    retired = client.delete(f"/api/v1/cis/{ci_id}/")
    history = client.get(f"/api/v1/cis/{ci_id}/history/")

    assert created.status_code == 201, created.json()
    assert created.json()["ci_class_name"] == "Test server"
    assert updated.json()["criticality"] == 1
    assert retired.status_code == 204
    assert ConfigurationItem.objects.get(pk=ci_id).status == "retired"
    assert [entry["action"] for entry in history.json()] == ["update", "update", "create"]
    assert {entry["actor"] for entry in history.json()} == {ops_engineer.username}


# --- payload errors --------------------------------------------------------------------------


def test_attributes_failing_the_schema_are_a_400_naming_the_attribute(
    ops_engineer, api_for, server_class
):
    response = api_for(ops_engineer).post(
        "/api/v1/cis/", new_ci(attributes={"cpu_cores": 0, "os": "Debian"}), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "attributes": ["Attribute 'cpu_cores' 0 is less than the minimum of 1."]
    }
    assert not ConfigurationItem.objects.exists()


def test_patching_attributes_checks_them_against_the_existing_class(
    ops_engineer, api_for, server_class
):
    ci = make_ci("web-01", ci_class=server_class, attributes={"cpu_cores": 2})

    response = api_for(ops_engineer).patch(
        f"/api/v1/cis/{ci.pk}/", {"attributes": {"ram": 4}}, format="json"
    )

    assert response.status_code == 400
    assert "'ram'" in response.json()["attributes"][0]
    ci.refresh_from_db()
    assert ci.attributes == {"cpu_cores": 2}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"environment": "prod"}, "environment"),
        ({"ci_class": "no-such-class"}, "ci_class"),
        ({"owner_team": "nobody"}, "owner_team"),
        ({"name": ""}, "name"),
        ({"criticality": 9}, "criticality"),
        ({"attributes": [1, 2]}, "attributes"),
    ],
)
def test_bad_ci_payloads_are_a_400_naming_the_field(
    payload, field, ops_engineer, api_for, server_class
):
    response = api_for(ops_engineer).post("/api/v1/cis/", new_ci(**payload), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ConfigurationItem.objects.exists()


def test_a_duplicate_name_is_a_400_naming_the_field(ops_engineer, api_for, server_class):
    make_ci("web-01", ci_class=server_class)

    response = api_for(ops_engineer).post("/api/v1/cis/", new_ci(), format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_bad_filters_are_a_400_naming_the_filter(agent, api_for):
    response = api_for(agent).get("/api/v1/cis/", {"environment": "prod"})

    assert response.status_code == 400
    assert "environment" in response.json()


def test_relationship_self_loops_and_duplicates_are_a_400_and_nothing_is_written(
    ops_engineer, api_for
):
    app, db = make_ci("app"), make_ci("db")
    client = api_for(ops_engineer)

    created = client.post(
        "/api/v1/relationships/",
        {"source": app.pk, "target": db.pk, "type": "depends_on"},
        format="json",
    )
    duplicate = client.post(
        "/api/v1/relationships/",
        {"source": app.pk, "target": db.pk, "type": "depends_on"},
        format="json",
    )
    self_loop = client.post(
        "/api/v1/relationships/",
        {"source": app.pk, "target": app.pk, "type": "depends_on"},
        format="json",
    )
    bad_type = client.post(
        "/api/v1/relationships/",
        {"source": app.pk, "target": db.pk, "type": "likes"},
        format="json",
    )
    missing_ci = client.post(
        "/api/v1/relationships/",
        {"source": app.pk, "target": 99999, "type": "runs_on"},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["target_name"] == "db"
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "detail": "app already depends on db.",
        "code": "duplicate",
        "field": "target",
    }
    assert self_loop.status_code == 400
    assert self_loop.json()["field"] == "target"
    assert bad_type.status_code == 400 and "type" in bad_type.json()
    assert missing_ci.status_code == 400 and "target" in missing_ci.json()
    assert Relationship.objects.count() == 1


def test_relationships_are_removed_by_ops_but_not_by_agents(ops_engineer, agent, api_for):
    relationship = relate(make_ci("app"), "runs_on", make_ci("host"))

    refused = api_for(agent).delete(f"/api/v1/relationships/{relationship.pk}/")
    removed = api_for(ops_engineer).delete(f"/api/v1/relationships/{relationship.pk}/")

    assert refused.status_code == 403
    assert removed.status_code == 204
    assert not Relationship.objects.exists()


# --- impact ----------------------------------------------------------------------------------


def test_impact_lists_impacted_services_and_everything_upstream(agent, api_for):
    switch, host, app = make_ci("switch"), make_ci("host"), make_ci("app")
    shop = make_service("Shop")
    relate(host, "connects_to", switch)
    relate(app, "runs_on", host)
    needs(shop, app)
    client = api_for(agent)

    impact = client.get(f"/api/v1/cis/{switch.pk}/impact/").json()
    upstream = client.get(f"/api/v1/cis/{switch.pk}/upstream/").json()
    downstream = client.get(f"/api/v1/cis/{shop.pk}/downstream/").json()

    assert [s["name"] for s in impact["impacted_services"]] == ["Shop"]
    assert impact["upstream_count"] == 3
    assert sorted(ci["name"] for ci in impact["upstream"]) == ["Shop", "app", "host"]
    assert sorted(ci["name"] for ci in upstream["results"]) == ["Shop", "app", "host"]
    assert sorted(ci["name"] for ci in downstream["results"]) == ["app", "host", "switch"]


def test_graph_returns_nodes_and_edges_and_refuses_a_bad_depth(agent, api_for):
    host, app = make_ci("host"), make_ci("app")
    relate(app, "runs_on", host)
    client = api_for(agent)

    graph = client.get(f"/api/v1/cis/{host.pk}/graph/").json()
    bad = client.get(f"/api/v1/cis/{host.pk}/graph/", {"depth": 99})

    assert sorted(node["label"] for node in graph["nodes"]) == ["app", "host"]
    assert graph["edges"][0]["type"] == "runs_on"
    assert bad.status_code == 400
    assert "depth" in bad.json()


def test_services_list_business_services_with_their_dependencies(agent, api_for):
    shop = make_service("Shop")
    api, db = make_ci("api"), make_ci("db")
    needs(shop, api)
    needs(api, db)

    response = api_for(agent).get("/api/v1/services/")

    assert [s["name"] for s in response.json()["results"]] == ["Shop"]
    assert sorted(d["name"] for d in response.json()["results"][0]["dependencies"]) == ["api", "db"]


# --- classes and locations ---------------------------------------------------------------------


def test_only_admins_change_ci_classes_and_a_bad_schema_is_a_400(ops_engineer, admin_user, api_for):
    payload = {"slug": "printer", "name": "Printer", "attribute_schema": {"type": "object"}}

    refused = api_for(ops_engineer).post("/api/v1/ci-classes/", payload, format="json")
    created = api_for(admin_user).post("/api/v1/ci-classes/", payload, format="json")
    bad = api_for(admin_user).patch(
        "/api/v1/ci-classes/printer/", {"attribute_schema": {"type": 5}}, format="json"
    )

    assert refused.status_code == 403
    assert created.status_code == 201
    assert bad.status_code == 400
    assert bad.json()["field"] == "attribute_schema"


def test_deleting_a_class_in_use_is_a_409(admin_user, api_for, server_class):
    make_ci("web-01", ci_class=server_class)

    response = api_for(admin_user).delete("/api/v1/ci-classes/test-server/")

    assert response.status_code == 409
    assert "1 CI(s)" in response.json()["detail"]


def test_locations_are_created_by_ops_and_cannot_contain_themselves(ops_engineer, api_for):
    client = api_for(ops_engineer)
    site = client.post("/api/v1/locations/", {"name": "AMS1", "kind": "site"}, format="json")
    room = client.post(
        "/api/v1/locations/",
        {"name": "AMS1 room 2", "kind": "room", "parent": "AMS1"},
        format="json",
    )

    loop = client.patch(
        f"/api/v1/locations/{site.json()['id']}/", {"parent": "AMS1 room 2"}, format="json"
    )

    assert room.status_code == 201
    assert loop.status_code == 400
    assert loop.json()["field"] == "parent"
    assert LogEntry.objects.filter(content_type__model="location").count() == 2
