import pytest
from django.urls import reverse

from cmdb.models import ConfigurationItem, Relationship
from cmdb.panels import register_ci_panel, unregister_ci_panel
from tests.factories.cmdb import SERVER_SCHEMA, make_ci, make_ci_class, make_service, needs, relate

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return make_ci("web-01", monitoring_address="web-01:9100")


def pages_of(ci):
    return [
        "/cmdb/",
        f"/cmdb/cis/{ci.pk}/",
        "/cmdb/services/",
    ]


@pytest.mark.parametrize("persona", ["requester", "outsider"])
def test_end_users_are_refused_every_cmdb_page(persona, request, client, web):
    client.force_login(request.getfixturevalue(persona))
    service = make_service("Shop")

    for path in [
        *pages_of(web),
        f"/cmdb/services/{service.pk}/",
        "/cmdb/cis/new/",
        "/cmdb/import/",
    ]:
        assert client.get(path).status_code == 403, path


def test_signed_out_visitors_are_sent_to_sign_in(client, web):
    response = client.get(f"/cmdb/cis/{web.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_agents_read_every_page_but_see_no_edit_controls_and_cannot_post(client, agent, web):
    client.force_login(agent)

    for path in pages_of(web):
        assert client.get(path).status_code == 200, path
    detail = client.get(f"/cmdb/cis/{web.pk}/").content.decode()
    assert "Edit" not in detail and "Add relationship" not in detail
    assert client.get("/cmdb/cis/new/").status_code == 403
    assert client.get("/cmdb/import/").status_code == 403
    assert client.post(f"/cmdb/cis/{web.pk}/retire/").status_code == 403
    assert (
        client.post(
            f"/cmdb/cis/{web.pk}/relationships/", {"relation": "runs_on:out", "other": "x"}
        ).status_code
        == 403
    )
    web.refresh_from_db()
    assert web.status == "operational"


def test_a_missing_ci_is_a_404_for_staff(client, agent):
    client.force_login(agent)

    assert client.get("/cmdb/cis/999999/").status_code == 404


def test_the_list_filters_searches_sorts_and_pages(client, agent):
    for number in range(30):
        make_ci(f"host-{number:02}", environment="staging" if number % 2 else "production")
    make_ci("db-main", environment="production", description="The shop database")
    client.force_login(agent)

    staging = client.get("/cmdb/", {"environment": "staging"}).content.decode()
    searched = client.get("/cmdb/", {"search": "shop database"}).content.decode()
    reversed_ = client.get("/cmdb/", {"ordering": "-name"}).content.decode()
    second_page = client.get("/cmdb/", {"page": 2}).content.decode()

    assert "15 CIs" in staging and "host-01" in staging and "host-02" not in staging
    assert "1 CI" in searched and "db-main" in searched
    assert reversed_.index("host-29") < reversed_.index("host-28")
    assert "page 2 of 2" in second_page and "host-29" in second_page


def test_htmx_requests_get_only_the_table(client, agent, web):
    client.force_login(agent)

    response = client.get("/cmdb/", {"search": "web"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "web-01" in body
    assert "<html" not in body
    assert 'data-testid="ci-table"' in body


def test_the_detail_page_shows_fields_attributes_relationships_impact_and_history(
    client, agent, ops_engineer
):
    server_class = make_ci_class("test-server", name="Test server", attribute_schema=SERVER_SCHEMA)
    web = make_ci("web-01", ci_class=server_class, attributes={"cpu_cores": 8}, by=ops_engineer)
    switch, app = make_ci("switch-01"), make_ci("shop-app")
    shop = make_service("Online Shop")
    relate(web, "connects_to", switch)
    relate(app, "runs_on", web)
    needs(shop, app)
    client.force_login(agent)

    page = client.get(f"/cmdb/cis/{web.pk}/").content.decode()

    assert "web-01" in page and "Test server" in page
    assert "cpu_cores" in page and ">8<" in page
    needs_part = page[page.index('data-testid="needs"') : page.index('data-testid="needed-by"')]
    assert "switch-01" in needs_part and "shop-app" not in needs_part
    impacted = page[page.index('data-testid="impacted-services"') :]
    assert "Online Shop" in impacted
    assert f'data-graph-url="/api/v1/cis/{web.pk}/graph/"' in page
    assert "/static/vendor/cytoscape/cytoscape.min." in page
    assert "Olivia Ops" in page[page.index('data-testid="history"') :]


def test_ops_engineers_create_and_edit_cis_and_see_schema_errors_on_the_attributes_field(
    client, ops_engineer
):
    server_class = make_ci_class("test-server", name="Test server", attribute_schema=SERVER_SCHEMA)
    client.force_login(ops_engineer)
    form = {
        "name": "web-09",
        "ci_class": server_class.pk,
        "environment": "production",
        "status": "operational",
        "criticality": 2,
        "attributes": '{"cpu_cores": 0}',
    }

    refused = client.post("/cmdb/cis/new/", form)
    created = client.post("/cmdb/cis/new/", form | {"attributes": '{"cpu_cores": 4}'})
    ci = ConfigurationItem.objects.get(name="web-09")
    edited = client.post(f"/cmdb/cis/{ci.pk}/edit/", form | {"attributes": "{}", "criticality": 1})

    assert refused.status_code == 200
    assert (
        "Attribute &#x27;cpu_cores&#x27; 0 is less than the minimum of 1"
        in refused.content.decode()
    )
    assert created.status_code == 302 and created["Location"] == f"/cmdb/cis/{ci.pk}/"
    assert edited.status_code == 302
    ci.refresh_from_db()
    assert ci.criticality == 1 and ci.attributes == {}


def test_ops_engineers_add_and_remove_relationships_from_the_page(client, ops_engineer):
    app, host = make_ci("app"), make_ci("host")
    client.force_login(ops_engineer)

    added = client.post(
        f"/cmdb/cis/{host.pk}/relationships/",
        {"relation": "runs_on:in", "other": "app"},
        follow=True,
    )
    self_loop = client.post(
        f"/cmdb/cis/{host.pk}/relationships/",
        {"relation": "depends_on:out", "other": "host"},
        follow=True,
    )
    relationship = Relationship.objects.get()
    removed = client.post(
        f"/cmdb/relationships/{relationship.pk}/remove/", {"ci": host.pk}, follow=True
    )

    assert (relationship.source, relationship.type, relationship.target) == (app, "runs_on", host)
    assert "Added: app runs on host." in added.content.decode()
    assert "host cannot be related to itself." in self_loop.content.decode()
    assert "Removed: app runs on host." in removed.content.decode()
    assert not Relationship.objects.exists()


def test_retiring_from_the_page(client, ops_engineer, web):
    client.force_login(ops_engineer)

    response = client.post(f"/cmdb/cis/{web.pk}/retire/", follow=True)

    assert "web-01 retired." in response.content.decode()
    web.refresh_from_db()
    assert web.status == "retired"


def test_the_service_page_lists_what_the_service_depends_on_as_a_tree(client, agent):
    shop = make_service("Online Shop")
    api, db, host = make_ci("shop-api"), make_ci("shop-db"), make_ci("db-host")
    needs(shop, api)
    needs(api, db)
    relate(db, "runs_on", host)
    client.force_login(agent)

    listing = client.get("/cmdb/services/").content.decode()
    page = client.get(f"/cmdb/services/{shop.pk}/").content.decode()

    assert "Online Shop" in listing and "Depends on 3 CIs" in listing
    tree = page[page.index('data-testid="dependency-tree"') :]
    assert tree.index("shop-api") < tree.index("shop-db") < tree.index("db-host")
    assert "direction=down" in page


def test_a_plain_ci_has_no_service_page(client, agent, web):
    client.force_login(agent)

    assert client.get(f"/cmdb/services/{web.pk}/").status_code == 404


def test_registered_panels_appear_on_the_detail_page_and_a_failing_one_does_not_break_it(
    client, agent, web, tmp_path, settings
):
    (tmp_path / "panel.html").write_text(
        '<div data-testid="extra-panel">Incidents on {{ ci.name }}: {{ count }}</div>'
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]
    register_ci_panel(
        key="test.ok", template_name="panel.html", context=lambda *, request, ci: {"count": 3}
    )
    register_ci_panel(
        key="test.hidden", template_name="panel.html", context=lambda *, request, ci: None
    )
    register_ci_panel(
        key="test.broken", template_name="panel.html", context=lambda *, request, ci: 1 / 0
    )
    client.force_login(agent)
    try:
        page = client.get(f"/cmdb/cis/{web.pk}/").content.decode()
    finally:
        for key in ("test.ok", "test.hidden", "test.broken"):
            unregister_ci_panel(key)

    assert page.count('data-testid="extra-panel"') == 1
    assert "Incidents on web-01: 3" in page
    assert 'data-panel="test.broken"' in page and "unavailable" in page


def test_the_list_links_to_import_and_new_only_for_editors(client, agent, ops_engineer):
    client.force_login(agent)
    as_agent = client.get("/cmdb/").content.decode()
    client.force_login(ops_engineer)
    as_ops = client.get("/cmdb/").content.decode()

    assert reverse("cmdb:import") not in as_agent and reverse("cmdb:ci-create") not in as_agent
    assert reverse("cmdb:import") in as_ops and reverse("cmdb:ci-create") in as_ops


def test_the_admin_lists_cis_read_only_and_edits_classes(client, admin_user, web):
    client.force_login(admin_user)

    listing = client.get("/admin/cmdb/configurationitem/")
    classes = client.get("/admin/cmdb/ciclass/")

    assert listing.status_code == 200 and "web-01" in listing.content.decode()
    assert client.get("/admin/cmdb/configurationitem/add/").status_code == 403
    assert classes.status_code == 200 and "Hypervisor" in classes.content.decode()


def test_a_filter_value_that_is_not_allowed_is_shown_as_an_error_and_ignored(client, agent, web):
    client.force_login(agent)

    response = client.get("/cmdb/", {"environment": "prod", "ordering": "bogus", "page": "x"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "web-01" in page
